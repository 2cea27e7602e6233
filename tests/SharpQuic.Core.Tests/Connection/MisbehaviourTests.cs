using SharpQuic.Core.Connection;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Connection;

public sealed class MisbehaviourTests
{
    [Fact]
    public void StreamDataBeyondFlowControlLimit_ClosesWithFlowControlError()
    {
        // RFC 9000 §4.1: data beyond the advertised stream limit (256 KiB by default) is FLOW_CONTROL_ERROR.
        ConnectionCloseInfo info = InjectAndGetServerClose(StreamFrameBytes(0, 10_000_000));
        Assert.Equal((ulong)TransportErrorCode.FlowControlError, info.ErrorCode);
    }

    [Fact]
    public void StreamBeyondStreamLimit_ClosesWithStreamLimitError()
    {
        // RFC 9000 §4.6: opening stream index 200 when 100 bidirectional streams are allowed.
        ConnectionCloseInfo info = InjectAndGetServerClose(StreamFrameBytes(4 * 200, 0));
        Assert.Equal((ulong)TransportErrorCode.StreamLimitError, info.ErrorCode);
    }

    [Fact]
    public void HandshakeDoneFromClient_ClosesWithProtocolViolation()
    {
        // RFC 9000 §19.20: a server receiving HANDSHAKE_DONE closes with PROTOCOL_VIOLATION.
        ConnectionCloseInfo info = InjectAndGetServerClose([(byte)FrameType.HandshakeDone]);
        Assert.Equal((ulong)TransportErrorCode.ProtocolViolation, info.ErrorCode);
    }

    [Fact]
    public void UnknownFrameType_ClosesWithFrameEncodingError()
    {
        ConnectionCloseInfo info = InjectAndGetServerClose([0x21]);
        Assert.Equal((ulong)TransportErrorCode.FrameEncodingError, info.ErrorCode);
    }

    [Fact]
    public void NonMinimalFrameType_ClosesWithProtocolViolation()
    {
        // RFC 9000 §12.4: a frame type in a longer encoding than needed.
        ConnectionCloseInfo info = InjectAndGetServerClose([0x40, 0x01]);
        Assert.Equal((ulong)TransportErrorCode.ProtocolViolation, info.ErrorCode);
    }

    private static byte[] StreamFrameBytes(ulong streamId, ulong offset)
    {
        var buffer = new byte[256];
        var writer = new QuicWriter(buffer);
        Assert.True(new StreamFrame(streamId, offset, "0123456789"u8, fin: false).TryWrite(ref writer));
        return buffer.AsSpan(0, writer.Written).ToArray();
    }

    private static ConnectionCloseInfo InjectAndGetServerClose(byte[] frames)
    {
        using var pair = new QuicPair(51);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;
        client.InjectedFrames = frames;
        Assert.True(pair.Network.RunUntil(() => client.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromSeconds(2)));

        // The server closed with the error; the client saw it in the server's CONNECTION_CLOSE.
        Assert.Equal(CloseReason.Local, server.CloseInfo!.Reason);
        Assert.False(server.CloseInfo.IsApplicationError);
        Assert.Equal(CloseReason.Remote, client.CloseInfo!.Reason);
        Assert.Equal(server.CloseInfo.ErrorCode, client.CloseInfo.ErrorCode);
        return client.CloseInfo;
    }
}
