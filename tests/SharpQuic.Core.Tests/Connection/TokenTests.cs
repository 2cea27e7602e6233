using SharpQuic.Core.Connection;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Connection;

/// <summary>NEW_TOKEN (RFC 9000 §8.1.3, §19.7): issued after the handshake, used by a later connection.</summary>
public sealed class TokenTests
{
    [Fact]
    public void Server_SendsNewToken_ClientSurfacesIt()
    {
        using var pair = new QuicPair(81, issueTokens: true);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        QuicConnection client = pair.Client!;
        Assert.True(pair.Network.RunUntil(() => client.ReceivedToken is not null, pair.Network.Now + TimeSpan.FromSeconds(2)));
        var events = new List<ConnectionEvent>();
        QuicPair.Drain(client, events);
        Assert.Contains(events, e => e.Kind == ConnectionEventKind.NewTokenReceived);
        Assert.InRange(client.ReceivedToken!.Length, 1, 128);
    }

    [Fact]
    public void NewToken_LostOnce_IsRetransmitted()
    {
        using var pair = new QuicPair(82, issueTokens: true);
        int dropped = 0;
        pair.Network.GetLink(pair.ServerHost, pair.ClientHost).DropFilter = (in SimulatedDatagram d) =>
        {
            // Drop every server datagram for a while once the server completed: the NEW_TOKEN goes with them.
            if (pair.ServerConnection is { IsHandshakeComplete: true } && dropped < 4)
            {
                dropped++;
                return true;
            }

            return false;
        };
        pair.Connect();
        Assert.True(pair.Network.RunUntil(() => pair.Client!.ReceivedToken is not null, pair.Network.Now + TimeSpan.FromSeconds(10)));
        Assert.True(dropped > 0);
    }

    [Fact]
    public void ClientWithoutTokens_ServerSendsNone()
    {
        using var pair = new QuicPair(83);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromSeconds(1));
        Assert.Null(pair.Client!.ReceivedToken);
    }

    [Fact]
    public void SecondConnection_WithToken_IsValidatedFromFirstFlight()
    {
        (long toServer, long toClient, bool validated, bool completed) = SecondConnection(84, token => token);
        Assert.True(validated);

        // §8.1.3: no 3× limit: with the client silent after its first flight, the server's retransmissions go past it.
        Assert.True(toClient > 3 * toServer, $"{toClient} bytes sent for {toServer} received");
        Assert.True(completed);
    }

    [Fact]
    public void SecondConnection_WithForgedToken_IsIgnoredAndLimited()
    {
        (long toServer, long toClient, bool validated, bool completed) = SecondConnection(85, Forge);
        Assert.False(validated);
        Assert.True(toClient <= 3 * toServer, $"{toClient} bytes sent for {toServer} received");
        Assert.True(completed, "an invalid token is ignored, the handshake proceeds normally");
    }

    [Fact]
    public void RequireRetry_ValidToken_SkipsRetry_ForgedTokenGetsRetry()
    {
        Assert.Equal(0, RetriesForSecondConnection(86, token => token));
        Assert.True(RetriesForSecondConnection(87, Forge) > 0);
    }

    [Fact]
    public void NewTokenFromClient_ClosesWithProtocolViolation()
    {
        // RFC 9000 §19.7: a server receiving NEW_TOKEN closes with PROTOCOL_VIOLATION.
        using var pair = new QuicPair(88);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        var buffer = new byte[64];
        var writer = new QuicWriter(buffer);
        Assert.True(new NewTokenFrame([1, 2, 3, 4]).TryWrite(ref writer));
        pair.Client!.InjectedFrames = buffer.AsSpan(0, writer.Written).ToArray();
        Assert.True(pair.Network.RunUntil(() => pair.Client.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromSeconds(2)));
        Assert.Equal(CloseReason.Local, pair.ServerConnection!.CloseInfo!.Reason);
        Assert.Equal((ulong)TransportErrorCode.ProtocolViolation, pair.ServerConnection.CloseInfo.ErrorCode);
    }

    /// <summary>The token with one bit of its authentication tag flipped.</summary>
    private static byte[] Forge(byte[] token)
    {
        byte[] forged = (byte[])token.Clone();
        forged[^1] ^= 0x01;
        return forged;
    }

    private static byte[] FirstToken(QuicPair pair)
    {
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.True(pair.Network.RunUntil(() => pair.Client!.ReceivedToken is not null, pair.Network.Now + TimeSpan.FromSeconds(2)));
        pair.Network.RunFor(TimeSpan.FromSeconds(1));
        return pair.Client!.ReceivedToken!;
    }

    /// <summary>
    /// A second connection with a (possibly altered) token whose client goes silent after its first flight for eight
    /// seconds; returns the bytes each way meanwhile, whether the server saw the address as validated, and whether the
    /// handshake then completes.
    /// </summary>
    private static (long ToServer, long ToClient, bool Validated, bool Completed) SecondConnection(int seed, Func<byte[], byte[]> alter)
    {
        // A long handshake timeout: the silence spans three server probes (about 1, 3 and 7 s).
        using var pair = new QuicPair(seed, issueTokens: true, connectionOptions: new ConnectionOptions { HandshakeTimeout = TimeSpan.FromSeconds(40) });
        byte[] token = alter(FirstToken(pair));
        QuicConnection first = pair.ServerConnection!;
        long toServer = 0;
        long toClient = 0;
        int fromClient = 0;
        bool blackhole = true;
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = (in SimulatedDatagram d) =>
        {
            // The ClientHello spans two Initials at a 1,200-byte MTU: both arrive, then nothing until released.
            if (blackhole && ++fromClient > 2)
            {
                return true;
            }

            toServer += d.Bytes.Length;
            return false;
        };
        pair.Network.GetLink(pair.ServerHost, pair.ClientHost).DropFilter = (in SimulatedDatagram d) =>
        {
            toClient += d.Bytes.Length;
            return blackhole;
        };
        QuicConnection second = pair.ClientEndpoint.Connect(pair.Network.Now, QuicPair.ServerAddress, pair.ClientTls, token: token);
        pair.Network.RunFor(TimeSpan.FromSeconds(8));
        QuicConnection? server = null;
        foreach (QuicConnection c in pair.ServerEndpoint.Connections)
        {
            if (!ReferenceEquals(c, first))
            {
                server = c;
            }
        }

        Assert.NotNull(server);
        bool validated = server.IsAddressValidated;
        (long sentToServer, long sentToClient) = (toServer, toClient);
        blackhole = false;
        bool completed = pair.Network.RunUntil(() => second.IsHandshakeConfirmed, pair.Network.Now + TimeSpan.FromSeconds(30));
        return (sentToServer, sentToClient, validated, completed);
    }

    private static int RetriesForSecondConnection(int seed, Func<byte[], byte[]> alter)
    {
        using var pair = new QuicPair(seed, requireRetry: true);
        byte[] token = alter(FirstToken(pair));
        int retries = 0;
        pair.Network.Observer = (in SimulatedDatagram d) =>
        {
            // v1 long header, type bits 11: Retry.
            if (d.Source.Equals(QuicPair.ServerAddress) && (d.Bytes[0] & 0xF0) == 0xF0)
            {
                retries++;
            }
        };
        QuicConnection second = pair.ClientEndpoint.Connect(pair.Network.Now, QuicPair.ServerAddress, pair.ClientTls, token: token);
        Assert.True(pair.Network.RunUntil(() => second.IsHandshakeConfirmed, pair.Network.Now + TimeSpan.FromSeconds(10)));
        return retries;
    }
}
