using SharpQuic.Core.Connection;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Tls;

namespace SharpQuic.Core.Tests.Connection;

/// <summary>The client without its TLS engine after confirmation: what it keeps, what it accepts at 1-RTT.</summary>
public sealed class PostHandshakeTests
{
    [Fact]
    public void Client_ReleasesTlsAfterConfirmation_KeepsNegotiatedFacts()
    {
        using var pair = new QuicPair(91);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        QuicConnection client = pair.Client!;
        Assert.Null(client.Tls);
        Assert.Equal(QuicPair.Certificate.Thumbprint, client.PeerCertificate!.Thumbprint);
        Assert.Equal("sq", client.NegotiatedApplicationProtocol.ToString());
        Assert.NotNull(client.NegotiatedGroup);
        Assert.NotNull(client.NegotiatedCipherSuite);
    }

    [Fact]
    public void WellFormedTicket_AfterRelease_IsSkipped()
    {
        // lifetime 60 s, age_add, nonce of 1 byte, ticket of 3 bytes, no extensions (RFC 8446bis §4.6.1).
        byte[] ticket = [4, 0, 0, 17, 0, 0, 0, 60, 1, 2, 3, 4, 1, 9, 0, 3, 7, 7, 7, 0, 0];
        (QuicConnection client, ulong delivered) = InjectCrypto(92, ticket);
        Assert.Equal(ConnectionState.Open, client.State);
        Assert.Equal(delivered + (ulong)ticket.Length, client.ApplicationCryptoReceived);
    }

    [Fact]
    public void KeyUpdate_AfterRelease_IsUnexpectedMessage()
    {
        // RFC 9001 §6: a TLS KeyUpdate in QUIC is a connection error 0x010a (unexpected_message).
        (QuicConnection client, _) = InjectCrypto(93, [24, 0, 0, 1, 0]);
        Assert.Equal(CloseReason.Local, client.CloseInfo!.Reason);
        Assert.Equal((ulong)TlsAlert.UnexpectedMessage.ToQuicErrorCode(), client.CloseInfo.ErrorCode);
    }

    [Fact]
    public void TruncatedTicket_AfterRelease_IsDecodeError()
    {
        // The ticket field claims 200 bytes inside a 16-byte body.
        (QuicConnection client, _) = InjectCrypto(94, [4, 0, 0, 16, 0, 0, 0, 60, 1, 2, 3, 4, 1, 9, 0, 200, 7, 7, 0, 0]);
        Assert.Equal((ulong)TlsAlert.DecodeError.ToQuicErrorCode(), client.CloseInfo!.ErrorCode);
    }

    private static (QuicConnection Client, ulong Delivered) InjectCrypto(int seed, byte[] message)
    {
        using var pair = new QuicPair(seed);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromSeconds(1));
        QuicConnection client = pair.Client!;
        Assert.Null(client.Tls);
        ulong delivered = client.ApplicationCryptoReceived;
        var buffer = new byte[256];
        var writer = new QuicWriter(buffer);
        Assert.True(new CryptoFrame(delivered, message).TryWrite(ref writer));
        pair.ServerConnection!.InjectedFrames = buffer.AsSpan(0, writer.Written).ToArray();
        pair.Network.RunUntil(() => client.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromSeconds(1));
        return (client, delivered);
    }
}
