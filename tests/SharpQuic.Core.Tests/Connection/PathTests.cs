using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Cryptography;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Connection;

/// <summary>Endpoint-level paths: idle timeout, keep-alive, stateless reset, Retry, version negotiation, amplification, pauses.</summary>
public sealed class PathTests
{
    [Fact]
    public void IdleTimeout_ClosesBothSidesSilently()
    {
        var options = new ConnectionOptions { IdleTimeout = TimeSpan.FromSeconds(2) };
        using var pair = new QuicPair(61, connectionOptions: options);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Instant start = pair.Network.Now;
        QuicConnection client = pair.Client!;
        Assert.True(pair.Network.RunUntil(() => client.State == ConnectionState.Closed, start + TimeSpan.FromSeconds(10)));
        Assert.Equal(CloseReason.IdleTimeout, client.CloseInfo!.Reason);
        TimeSpan elapsed = pair.Network.Now - start;
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(3));
        Assert.True(pair.Network.RunUntil(() => pair.ServerEndpoint.ConnectionCount == 0, pair.Network.Now + TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void KeepAlive_KeepsAnIdleConnectionOpen()
    {
        var options = new ConnectionOptions { IdleTimeout = TimeSpan.FromSeconds(2), KeepAliveInterval = TimeSpan.FromMilliseconds(500) };
        using var pair = new QuicPair(62, connectionOptions: options);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromSeconds(20));
        Assert.Equal(ConnectionState.Open, pair.Client!.State);
        Assert.Equal(ConnectionState.Open, pair.ServerConnection!.State);
    }

    [Fact]
    public void ServerLosesState_ClientGetsStatelessReset()
    {
        var key = new StatelessResetTokens(new byte[32]);
        using var pair = new QuicPair(63, serverResetKey: key);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));

        // A server restart: same static key, no connections.
        pair.ServerEndpoint.ForgetAllConnections();
        QuicConnection client = pair.Client!;
        Assert.True(client.TryOpenStream(true, out StreamId id));
        client.Write(id, new byte[500], fin: true);
        Assert.True(pair.Network.RunUntil(() => client.State == ConnectionState.Closed, pair.Network.Now + TimeSpan.FromSeconds(2)));
        Assert.Equal(CloseReason.StatelessReset, client.CloseInfo!.Reason);
        Assert.True(pair.ServerEndpoint.StatelessResetsSent >= 1);
    }

    [Fact]
    public void UnknownShortHeader_StatelessResetIsSmallerThanTrigger()
    {
        using var pair = new QuicPair(64);
        var sizes = new List<(int Port, int Length)>();
        pair.Network.Observer = (in SimulatedDatagram d) => sizes.Add((d.Source.Port, d.Bytes.Length));
        var junk = new byte[60];
        new Random(3).NextBytes(junk);
        junk[0] = 0x40;
        pair.ServerEndpoint.HandleDatagram(Instant.Zero, QuicPair.ClientAddress, QuicPair.ServerAddress, junk, EcnCodepoint.NotEct);
        Span<byte> buffer = new byte[1500];
        Transmit? t = pair.ServerEndpoint.PollTransmit(Instant.Zero, buffer);
        Assert.NotNull(t);
        Assert.True(t.Value.Length < junk.Length);
        Assert.Equal(0x40, buffer[0] & 0xc0);

        // Tiny triggers get nothing (they could themselves be resets).
        pair.ServerEndpoint.HandleDatagram(Instant.Zero, QuicPair.ClientAddress, QuicPair.ServerAddress, junk.AsSpan(0, 21), EcnCodepoint.NotEct);
        Assert.Null(pair.ServerEndpoint.PollTransmit(Instant.Zero, buffer));
    }

    [Fact]
    public void Retry_ValidatesAddressThenHandshakeCompletes()
    {
        using var pair = new QuicPair(65, requireRetry: true);
        int retries = 0;
        pair.Network.Observer = (in SimulatedDatagram d) =>
        {
            // v1 long header, type bits 11: Retry.
            if (d.Source.Equals(QuicPair.ServerAddress) && (d.Bytes[0] & 0xf0) == 0xf0)
            {
                retries++;
            }
        };
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        // Stateless: each tokenless Initial datagram of the two-packet ClientHello gets its own Retry; the client
        // acts on the first only (RFC 9000 §17.2.5.2).
        Assert.InRange(retries, 1, 2);
        Assert.True(pair.ServerConnection!.IsAddressValidated);
        Assert.Equal(pair.ServerConnection.OriginalDestinationConnectionId, pair.Client!.OriginalDestinationConnectionId);
    }

    [Fact]
    public void VersionNegotiation_ClientAbandonsWhenServerLacksItsVersion()
    {
        using var pair = new QuicPair(66, serverVersions: [QuicVersion.V1], clientVersions: [QuicVersion.V2]);
        int vn = 0;
        pair.Network.Observer = (in SimulatedDatagram d) =>
        {
            if (d.Source.Equals(QuicPair.ServerAddress) && d.Bytes.Length > 5 && d.Bytes[1] == 0 && d.Bytes[2] == 0 && d.Bytes[3] == 0 && d.Bytes[4] == 0)
            {
                vn++;
            }
        };
        QuicConnection client = pair.Connect(QuicVersion.V2);
        Assert.True(pair.Network.RunUntil(() => client.State == ConnectionState.Closed, pair.Network.Now + TimeSpan.FromSeconds(2)));
        Assert.Equal(CloseReason.VersionNegotiation, client.CloseInfo!.Reason);
        Assert.True(vn >= 1);
        Assert.Equal(0, pair.ServerEndpoint.ConnectionCount);
    }

    [Fact]
    public void VersionNegotiation_ListingOurVersionOrWrongIds_IsIgnored()
    {
        // RFC 9000 §6.2: a VN that lists the version we use, or does not echo our connection IDs, changes nothing.
        using var pair = new QuicPair(72);
        QuicConnection client = pair.Connect(QuicVersion.V1);
        var buffer = new byte[100];
        Assert.True(VersionNegotiationPacket.TryWrite(buffer, 0x11, client.OriginalDestinationConnectionId.Span, client.InitialSourceConnectionId.Span, [QuicVersion.V1, QuicVersion.V2], null, out int n));
        pair.ClientEndpoint.HandleDatagram(Instant.Zero, QuicPair.ServerAddress, QuicPair.ClientAddress, buffer.AsSpan(0, n), EcnCodepoint.NotEct);
        Assert.True(VersionNegotiationPacket.TryWrite(buffer, 0x11, new byte[8], client.InitialSourceConnectionId.Span, [QuicVersion.V2], null, out n));
        pair.ClientEndpoint.HandleDatagram(Instant.Zero, QuicPair.ServerAddress, QuicPair.ClientAddress, buffer.AsSpan(0, n), EcnCodepoint.NotEct);
        Assert.Equal(ConnectionState.Open, client.State);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));

        // And a server never answers a small datagram of an unknown version (no amplification, §14.1).
        var probe = new byte[300];
        probe[0] = 0xc0;
        probe[1] = 0x1a; probe[2] = 0x2a; probe[3] = 0x3a; probe[4] = 0x4a;
        probe[5] = 8;
        probe[14] = 8;
        pair.ServerEndpoint.HandleDatagram(pair.Network.Now, QuicPair.ClientAddress, QuicPair.ServerAddress, probe, EcnCodepoint.NotEct);
        Assert.Equal(0, DrainVersionNegotiations(pair.ServerEndpoint, pair.Network.Now));
        var full = new byte[1200];
        probe.CopyTo(full, 0);
        pair.ServerEndpoint.HandleDatagram(pair.Network.Now, QuicPair.ClientAddress, QuicPair.ServerAddress, full, EcnCodepoint.NotEct);
        Assert.Equal(1, DrainVersionNegotiations(pair.ServerEndpoint, pair.Network.Now));
    }

    private static int DrainVersionNegotiations(QuicEndpoint endpoint, Instant now)
    {
        var buffer = new byte[1500];
        int count = 0;
        while (endpoint.PollTransmit(now, buffer) is Transmit t)
        {
            if (t.Length > 5 && (buffer[0] & 0x80) != 0 && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(1)) == 0)
            {
                count++;
            }
        }

        return count;
    }

    [Fact]
    public void Handshake_V2_Completes()
    {
        using var pair = new QuicPair(67);
        pair.Connect(QuicVersion.V2);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.Equal(QuicVersion.V2, pair.ServerConnection!.Version);
    }

    [Fact]
    public void AmplificationLimit_NeverExceededBeforeValidation()
    {
        using var pair = new QuicPair(68);
        long clientToServer = 0;
        long serverToClient = 0;
        long violations = 0;
        bool blackhole = true;
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = (in SimulatedDatagram d) =>
        {
            // The first flight arrives, then nothing from the client for a while: the server retransmits into the void.
            if (d.Index >= 2 && blackhole)
            {
                return true;
            }

            clientToServer += d.Bytes.Length;
            return false;
        };
        pair.Network.GetLink(pair.ServerHost, pair.ClientHost).DropFilter = (in SimulatedDatagram d) =>
        {
            serverToClient += d.Bytes.Length;
            if (pair.ServerConnection is { IsAddressValidated: false } && serverToClient > 3 * clientToServer)
            {
                violations++;
            }

            return blackhole;
        };
        pair.Connect();
        pair.Network.RunFor(TimeSpan.FromSeconds(3));
        Assert.True(serverToClient > 0);
        Assert.Equal(0, violations);
        Assert.True(serverToClient <= 3 * clientToServer);
        blackhole = false;
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, violations);
    }

    [Fact]
    public void PendingHandshakes_AreBounded_LaterClientsGetInAfterwards()
    {
        using var pair = new QuicPair(71, maxPendingHandshakes: 1);
        QuicConnection first = pair.Connect();
        QuicConnection second = pair.ClientEndpoint.Connect(pair.Network.Now, QuicPair.ServerAddress, pair.ClientTls);
        Assert.True(pair.Network.RunUntil(() => first.IsHandshakeComplete || second.IsHandshakeComplete, pair.Network.Now + TimeSpan.FromSeconds(5)));
        Assert.True(pair.ServerEndpoint.DroppedDatagrams > 0, "the second client's Initial was refused while the first was pending");
        Assert.Equal(1, pair.ServerEndpoint.ConnectionCount);
        Assert.True(pair.Network.RunUntil(() => first.IsHandshakeConfirmed && second.IsHandshakeConfirmed, pair.Network.Now + TimeSpan.FromSeconds(10)));
        Assert.Equal(2, pair.ServerEndpoint.ConnectionCount);
    }

    [Fact]
    public void PausePoints_ServerOptionsAndCertificateValidationLater()
    {
        using var pair = new QuicPair(69, deferServerOptions: true, inlineValidation: false);
        var serverEvents = new List<ConnectionEvent>();
        var clientEvents = new List<ConnectionEvent>();
        pair.ServerApp = now =>
        {
            if (pair.ServerConnection is QuicConnection s)
            {
                while (s.PollEvent(out ConnectionEvent e))
                {
                    serverEvents.Add(e);
                    if (e.Kind == ConnectionEventKind.ClientHelloReceived)
                    {
                        s.SetServerOptions(pair.ServerTls, now);
                    }
                }
            }
        };
        pair.ClientApp = now =>
        {
            QuicConnection c = pair.Client!;
            while (c.PollEvent(out ConnectionEvent e))
            {
                clientEvents.Add(e);
                if (e.Kind == ConnectionEventKind.PeerCertificateReceived)
                {
                    Assert.Equal(QuicPair.Certificate.Thumbprint, e.PeerCertificate!.Thumbprint);
                    c.ValidatePeerCertificate(now);
                }
            }
        };
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.Contains(serverEvents, e => e.Kind == ConnectionEventKind.ClientHelloReceived);
        Assert.Contains(clientEvents, e => e.Kind == ConnectionEventKind.PeerCertificateReceived);
        Assert.Contains(clientEvents, e => e.Kind == ConnectionEventKind.HandshakeCompleted);
    }

    [Fact]
    public void CertificateRejected_ClientClosesWithCryptoError()
    {
        using var pair = new QuicPair(70, inlineValidation: false);
        pair.ClientApp = now =>
        {
            QuicConnection c = pair.Client!;
            while (c.PollEvent(out ConnectionEvent e))
            {
                if (e.Kind == ConnectionEventKind.PeerCertificateReceived)
                {
                    c.CompleteCertificateValidation(accepted: false, now);
                }
            }
        };
        pair.Connect();
        Assert.True(pair.Network.RunUntil(() => pair.ServerConnection is { State: not ConnectionState.Open }, pair.Network.Now + TimeSpan.FromSeconds(3)));

        // RFC 9001 §4.8: bad_certificate (42) → CRYPTO_ERROR 0x12a, sent in a Handshake packet.
        Assert.Equal(0x100UL + 42, pair.ServerConnection!.CloseInfo!.ErrorCode);
        Assert.Equal(CloseReason.Remote, pair.ServerConnection.CloseInfo.Reason);
    }
}
