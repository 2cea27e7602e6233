using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Tests.Streams;

public sealed class StreamIdTests
{
    // RFC 9000 §2.1, Table 1: the two least significant bits give the stream type.
    [Theory]
    [InlineData(0x00, StreamInitiator.Client, StreamDirection.Bidirectional)]
    [InlineData(0x01, StreamInitiator.Server, StreamDirection.Bidirectional)]
    [InlineData(0x02, StreamInitiator.Client, StreamDirection.Unidirectional)]
    [InlineData(0x03, StreamInitiator.Server, StreamDirection.Unidirectional)]
    public void TypeBitsClassifyTheFourStreamTypes(int bits, StreamInitiator initiator, StreamDirection direction)
    {
        for (ulong index = 0; index < 5; index++)
        {
            var id = new StreamId((index * 4) + (ulong)bits);
            Assert.Equal(initiator, id.Initiator);
            Assert.Equal(direction, id.Direction);
            Assert.Equal(index, id.Index);
            Assert.Equal(bits, id.TypeBits);
            Assert.Equal(initiator == StreamInitiator.Client, id.IsClientInitiated);
            Assert.Equal(initiator == StreamInitiator.Server, id.IsServerInitiated);
            Assert.Equal(direction == StreamDirection.Bidirectional, id.IsBidirectional);
            Assert.Equal(direction == StreamDirection.Unidirectional, id.IsUnidirectional);
            Assert.Equal(id, StreamId.Create(initiator, direction, index));
        }
    }

    [Fact]
    public void CreateComposesIndexAndTypeBits()
    {
        Assert.Equal(0UL, StreamId.Create(true, true, 0).Value);
        Assert.Equal(4UL, StreamId.Create(true, true, 1).Value);
        Assert.Equal(7UL, StreamId.Create(false, false, 1).Value);
        Assert.Equal(402UL, StreamId.Create(true, false, 100).Value);
        Assert.Equal(StreamId.MaxValue, StreamId.Create(false, false, StreamId.MaxIndexCount - 1).Value);
    }

    [Fact]
    public void ValuesBeyondTheVarIntRangeAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamId(StreamId.MaxValue + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamId.Create(true, true, StreamId.MaxIndexCount));
    }

    [Fact]
    public void DirectionRulesDependOnTheLocalRole()
    {
        var clientUni = StreamId.Create(true, false, 3);
        Assert.True(clientUni.IsLocal(isClient: true));
        Assert.True(clientUni.CanSend(isClient: true));
        Assert.False(clientUni.CanReceive(isClient: true));
        Assert.False(clientUni.CanSend(isClient: false));
        Assert.True(clientUni.CanReceive(isClient: false));

        var serverBidi = StreamId.Create(false, true, 3);
        Assert.True(serverBidi.CanSend(true) && serverBidi.CanReceive(true) && serverBidi.CanSend(false) && serverBidi.CanReceive(false));
    }

    [Fact]
    public void EqualityAndOrderingFollowTheValue()
    {
        var a = new StreamId(8);
        var b = StreamId.Create(true, true, 2);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(new StreamId(4) < a);
        Assert.True(a != new StreamId(9));
    }
}
