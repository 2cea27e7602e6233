using SharpQuic.Core.Connection;

namespace SharpQuic.Core.Tests.ZeroRtt;

/// <summary>The remembered transport parameters codec (a ticket file is hostile input) and the §7.4.1 reduction check.</summary>
public sealed class RememberedParametersTests
{
    private static readonly RememberedParameters Sample = new(1_000_000, 65_536, 131_072, 16_384, 100, 3, 4, 1200);

    [Fact]
    public void RoundTrip()
    {
        byte[] encoded = Sample.Encode();
        Assert.True(RememberedParameters.TryDecode(encoded, out RememberedParameters decoded));
        Assert.Equal(Sample, decoded);
    }

    [Fact]
    public void Truncated_Trailing_WrongFormat_AreRefused()
    {
        byte[] encoded = Sample.Encode();
        for (int i = 0; i < encoded.Length; i++)
        {
            Assert.False(RememberedParameters.TryDecode(encoded.AsSpan(0, i), out _));
        }

        Assert.False(RememberedParameters.TryDecode([.. encoded, 0], out _));
        byte[] wrong = (byte[])encoded.Clone();
        wrong[0] = 2;
        Assert.False(RememberedParameters.TryDecode(wrong, out _));
    }

    [Fact]
    public void OutOfRangeValues_AreRefused()
    {
        Assert.False(RememberedParameters.TryDecode((Sample with { ActiveConnectionIdLimit = 1 }).Encode(), out _));
        Assert.False(RememberedParameters.TryDecode((Sample with { InitialMaxStreamsBidi = (1UL << 60) + 1 }).Encode(), out _));
    }

    [Fact]
    public void FirstReducedIn_NamesTheReducedLimit()
    {
        Assert.Null(Sample.FirstReducedIn(Sample));
        Assert.Null(Sample.FirstReducedIn(Sample with { InitialMaxData = 2_000_000 }));
        Assert.Equal("initial_max_data", Sample.FirstReducedIn(Sample with { InitialMaxData = 999_999 }));
        Assert.Equal("initial_max_streams_uni", Sample.FirstReducedIn(Sample with { InitialMaxStreamsUni = 2 }));
        Assert.Equal("active_connection_id_limit", Sample.FirstReducedIn(Sample with { ActiveConnectionIdLimit = 2 }));
        Assert.Equal("max_datagram_frame_size", Sample.FirstReducedIn(Sample with { MaxDatagramFrameSize = 0 }));
    }

    [Fact]
    public void ParseTicket_RefusesGarbage()
    {
        Assert.Null(QuicConnection.DescribeTicket([1, 2, 3]));
        Assert.Null(QuicConnection.DescribeTicket([]));
    }
}
