using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tests;

public sealed class HandshakeFramerTests
{
    [Fact]
    public void Reassembles_a_large_ClientHello_from_many_chunks()
    {
        // A ClientHello with a 1,216-byte hybrid key share spans two QUIC Initial packets.
        var ext = new Extensions.ExtensionList();
        ext.Add(ExtensionType.KeyShare, Extensions.KeyShareExtension.EncodeClient([new Extensions.KeyShareEntry(NamedGroup.X25519MlKem768, new byte[1216])]));
        byte[] message = new ClientHello(new byte[32], [], [0x1301], ext).Encode();
        Assert.True(message.Length > 1200);

        var rng = new Random(1);
        for (int trial = 0; trial < 50; trial++)
        {
            var framer = new HandshakeFramer();
            int offset = 0;
            while (offset < message.Length)
            {
                int n = Math.Min(rng.Next(1, 300), message.Length - offset);
                Assert.True(framer.TryAppend(message.AsSpan(offset, n), out _));
                offset += n;
                Assert.Equal(offset < message.Length, framer.HasPartialMessage);
                Assert.Equal(offset < message.Length ? 0 : 1, framer.Count);
            }

            Assert.True(framer.TryDequeue(out HandshakeMessage m));
            Assert.Equal(message, m.Bytes);
            Assert.True(ClientHello.TryParse(m.Body, out _, out _));
        }
    }

    [Fact]
    public void Splits_several_messages_in_one_chunk_including_empty_bodies()
    {
        byte[] data = [20, 0, 0, 2, 0xAA, 0xBB, 8, 0, 0, 0, 8, 0, 0, 2, 0, 0];
        var framer = new HandshakeFramer();
        Assert.True(framer.TryAppend(data, out _));
        Assert.Equal(3, framer.Count);
        Assert.True(framer.TryDequeue(out HandshakeMessage a));
        Assert.Equal(HandshakeType.Finished, a.Type);
        Assert.Equal([0xAA, 0xBB], a.Body.ToArray());
        Assert.True(framer.TryDequeue(out HandshakeMessage b));
        Assert.Equal(0, b.Body.Length);
        Assert.True(framer.TryDequeue(out HandshakeMessage c));
        Assert.Equal(HandshakeType.EncryptedExtensions, c.Type);
        Assert.False(framer.TryDequeue(out _));
        Assert.False(framer.HasPartialMessage);
    }

    [Fact]
    public void Oversize_message_is_refused_before_it_is_buffered()
    {
        var framer = new HandshakeFramer(maxMessageSize: 1000);
        Assert.True(framer.TryAppend([11, 0, 3], out _));
        Assert.False(framer.TryAppend([0xE9], out TlsAlert alert)); // 1001 bytes
        Assert.Equal(TlsAlert.IllegalParameter, alert);
        Assert.False(framer.TryAppend([0], out TlsAlert sticky));
        Assert.Equal(alert, sticky);

        Assert.True(new HandshakeFramer(maxMessageSize: 1000).TryAppend([11, 0, 3, 0xE8], out _));
        Assert.False(new HandshakeFramer().TryAppend([1, 0xFF, 0xFF, 0xFF], out alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
    }

    [Theory]
    [InlineData((byte)HandshakeType.KeyUpdate)]
    [InlineData((byte)HandshakeType.EndOfEarlyData)]
    [InlineData((byte)HandshakeType.MessageHash)]
    [InlineData((byte)3)]
    [InlineData((byte)0)]
    public void Messages_forbidden_in_QUIC_are_unexpected_message(byte type)
    {
        var framer = new HandshakeFramer();
        Assert.True(framer.TryAppend([20, 0, 0, 0], out _)); // a valid message first
        Assert.False(framer.TryAppend([type, 0, 0, 1, 0], out TlsAlert alert));
        Assert.Equal(TlsAlert.UnexpectedMessage, alert);
        Assert.Equal(1, framer.Count);
    }
}
