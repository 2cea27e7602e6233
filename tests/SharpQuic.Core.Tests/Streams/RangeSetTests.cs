using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Tests.Streams;

public sealed class RangeSetTests
{
    [Fact]
    public void AddMergesOverlappingAndAdjacentRanges()
    {
        var set = new RangeSet(16);
        set.Add(10, 20);
        set.Add(30, 40);
        set.Add(20, 25);
        Assert.Equal(2, set.Count);
        Assert.Equal(new ByteRange(10, 25), set[0]);
        set.Add(5, 35);
        Assert.Equal(1, set.Count);
        Assert.Equal(new ByteRange(5, 40), set[0]);
    }

    [Fact]
    public void RemoveSplitsAndTrims()
    {
        var set = new RangeSet(16);
        set.Add(0, 100);
        set.Remove(10, 20);
        set.Remove(90, 200);
        set.Remove(0, 5);
        Assert.Equal(2, set.Count);
        Assert.Equal(new ByteRange(5, 10), set[0]);
        Assert.Equal(new ByteRange(20, 90), set[1]);
        Assert.True(set.Contains(30, 40));
        Assert.False(set.Contains(8, 12));
    }

    [Fact]
    public void RandomOperationsMatchABitmapModel()
    {
        var random = new Random(7);
        var set = new RangeSet(1000);
        var model = new bool[600];
        for (int step = 0; step < 5000; step++)
        {
            int start = random.Next(500);
            int end = start + random.Next(1, 100);
            bool add = random.Next(3) != 0;
            if (add)
            {
                Assert.True(set.Add((ulong)start, (ulong)end));
            }
            else
            {
                set.Remove((ulong)start, (ulong)end);
            }

            for (int i = start; i < end; i++)
            {
                model[i] = add;
            }
        }

        var rebuilt = new bool[600];
        ulong previousEnd = 0;
        for (int i = 0; i < set.Count; i++)
        {
            ByteRange r = set[i];
            Assert.True(r.Start < r.End);
            Assert.True(i == 0 || r.Start > previousEnd, "ranges must be sorted, disjoint and not adjacent");
            previousEnd = r.End;
            for (ulong o = r.Start; o < r.End; o++)
            {
                rebuilt[o] = true;
            }
        }

        Assert.Equal(model, rebuilt);
    }

    [Fact]
    public void AddBeyondTheBoundIsRefused()
    {
        var set = new RangeSet(3);
        Assert.True(set.Add(0, 1));
        Assert.True(set.Add(2, 3));
        Assert.True(set.Add(4, 5));
        Assert.False(set.Add(6, 7));
        Assert.True(set.Add(1, 2)); // merging needs no new slot
        Assert.Equal(2, set.Count);
    }
}
