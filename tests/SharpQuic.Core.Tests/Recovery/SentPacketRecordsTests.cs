using SharpQuic.Core.Recovery;
using static SharpQuic.Core.Tests.Recovery.Ms;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>The ring buffer of sent packets.</summary>
public sealed class SentPacketRecordsTests
{
    private static SentPacket Packet(ulong pn) => new(pn, At(pn), 100, true, true, (int)pn);

    [Fact]
    public void Grows_wraps_and_removes_in_any_order()
    {
        var records = new SentPacketRecords(maxCapacity: 1024);
        var model = new SortedSet<ulong>();
        var random = new Random(3);
        ulong next = 0;
        for (int round = 0; round < 2000; round++)
        {
            if (model.Count < 500 && random.Next(3) != 0)
            {
                next += (ulong)random.Next(1, 3); // occasional skipped number
                Assert.True(records.TryAdd(Packet(next)));
                model.Add(next);
            }
            else if (model.Count > 0)
            {
                ulong victim = random.Next(2) == 0 ? model.Min : next - (ulong)random.Next(0, 40);
                Assert.Equal(model.Remove(victim), records.TryRemove(victim, out SentPacket removed));
                if (removed.Size != 0)
                {
                    Assert.Equal((int)victim, removed.RetransmitHandle);
                }
            }

            Assert.Equal(model.Count, records.Count);
        }

        foreach (ulong pn in model)
        {
            Assert.True(records.TryGet(pn, out SentPacket p));
            Assert.Equal(pn, p.PacketNumber);
        }
    }

    [Fact]
    public void Refuses_non_increasing_numbers_and_growth_beyond_the_bound()
    {
        var records = new SentPacketRecords(maxCapacity: 128);
        Assert.True(records.TryAdd(Packet(10)));
        Assert.False(records.TryAdd(Packet(10)));
        Assert.False(records.TryAdd(Packet(9)));
        for (ulong pn = 11; pn < 10 + 128; pn++)
        {
            Assert.True(records.TryAdd(Packet(pn)));
        }

        // pn 10 is still outstanding: the window cannot span 129 numbers.
        Assert.False(records.TryAdd(Packet(138)));
        Assert.Equal(128, records.Capacity);
        Assert.True(records.TryRemove(10, out _));
        Assert.True(records.TryAdd(Packet(138)));
    }

    [Fact]
    public void Knows_which_numbers_were_never_sent()
    {
        var records = new SentPacketRecords();
        Assert.True(records.WasNeverSent(0));
        records.TryAdd(Packet(0));
        records.TryAdd(Packet(2));
        Assert.False(records.WasNeverSent(0));
        Assert.True(records.WasNeverSent(1));
        Assert.False(records.WasNeverSent(2));
        Assert.True(records.WasNeverSent(3));
        records.Clear();
        Assert.Equal(0, records.Count);
        Assert.Equal(2UL, records.LargestSent);
    }
}
