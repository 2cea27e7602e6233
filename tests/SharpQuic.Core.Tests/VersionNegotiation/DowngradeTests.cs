using System.Buffers.Binary;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Cryptography;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.VersionNegotiation;

/// <summary>
/// Incompatible version negotiation (RFC 9368 §2.1), its downgrade prevention (§4) and the version_information
/// checks that close with VERSION_NEGOTIATION_ERROR.
/// </summary>
public sealed class DowngradeTests
{
    private const ulong VersionNegotiationError = 0x11;

    [Fact]
    public void VersionNegotiation_ClientStartsOverInServerVersion_AndDataFlows()
    {
        using var pair = new QuicPair(811, serverVersions: [QuicVersion.V1]);
        QuicConnection client = pair.Connect(QuicVersion.V2);
        ConnectionId firstDcid = client.OriginalDestinationConnectionId;
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));

        Assert.True(client.ReactedToVersionNegotiation);
        Assert.Equal(QuicVersion.V1, client.Version);
        Assert.Equal(QuicVersion.V1, client.ChosenVersion);
        Assert.NotEqual(firstDcid, client.OriginalDestinationConnectionId);

        // The second attempt's version_information names v1; the server (v1 only) lists exactly v1.
        Assert.Equal(QuicVersion.V1.Value, pair.ServerConnection!.PeerParameters!.VersionInformation!.ChosenVersion);
        Assert.Equal([QuicVersion.V1.Value], client.PeerParameters!.VersionInformation!.AvailableVersions);
        CompatibleNegotiationTests.AssertEcho(pair, 20_000, 21);
    }

    [Fact]
    public void VersionNegotiation_WithoutCommonVersion_AbandonsTheAttempt()
    {
        using var pair = new QuicPair(812, serverVersions: [QuicVersion.V1], clientVersions: [QuicVersion.V2]);
        QuicConnection client = pair.Connect(QuicVersion.V2);
        Assert.True(pair.Network.RunUntil(() => client.State == ConnectionState.Closed, pair.Network.Now + TimeSpan.FromSeconds(2)));
        Assert.Equal(CloseReason.VersionNegotiation, client.CloseInfo!.Reason);
        Assert.False(client.ReactedToVersionNegotiation);
    }

    [Fact]
    public void ForgedVersionNegotiation_Downgrade_IsRefusedByTheClient()
    {
        // Both sides support v1 and v2 and prefer v2. An attacker drops the client's v2 first flight and forges a
        // Version Negotiation listing only v1. The client starts over in v1, but the server's authenticated
        // Available Versions include v2, which the client would have chosen: VERSION_NEGOTIATION_ERROR (RFC 9368 §4).
        using var pair = new QuicPair(813, serverVersions: [QuicVersion.V2, QuicVersion.V1], clientVersions: [QuicVersion.V2, QuicVersion.V1]);
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = static (in SimulatedDatagram d) =>
            d.Bytes.Length > 5 && (d.Bytes[0] & 0x80) != 0 && BinaryPrimitives.ReadUInt32BigEndian(d.Bytes[1..]) == QuicVersion.V2.Value;
        QuicConnection client = pair.Connect(QuicVersion.V2);
        InjectVersionNegotiation(pair, client, [QuicVersion.V1]);
        Assert.True(client.ReactedToVersionNegotiation);
        Assert.Equal(QuicVersion.V1, client.ChosenVersion);

        Assert.True(pair.Network.RunUntil(() => client.State == ConnectionState.Closed || client.CloseInfo is not null, pair.Network.Now + TimeSpan.FromSeconds(5)));
        Assert.Equal(VersionNegotiationError, client.CloseInfo!.ErrorCode);
        Assert.False(client.IsHandshakeComplete);

        // What the server saw: the second attempt's version_information says v1, and it hears the error.
        Assert.NotNull(pair.ServerConnection);
        Assert.Equal(QuicVersion.V1.Value, pair.ServerConnection!.PeerParameters!.VersionInformation!.ChosenVersion);
        Assert.True(pair.Network.RunUntil(() => pair.ServerConnection.CloseInfo is not null, pair.Network.Now + TimeSpan.FromSeconds(2)));
        Assert.Equal(VersionNegotiationError, pair.ServerConnection.CloseInfo!.ErrorCode);
    }

    [Fact]
    public void VersionNegotiation_ThatIsGenuine_PassesTheDowngradeCheck()
    {
        // The same forged-looking exchange, but the server really supports only v1: its Available Versions (v1) make
        // v1 the client's own choice too, so the handshake completes (RFC 9368 §4, first example).
        using var pair = new QuicPair(814, serverVersions: [QuicVersion.V1], clientVersions: [QuicVersion.V2, QuicVersion.V1]);
        QuicConnection client = pair.Connect(QuicVersion.V2);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.True(client.ReactedToVersionNegotiation);
        Assert.Equal(QuicVersion.V1, client.Version);
    }

    [Fact]
    public void SecondVersionNegotiation_AfterReacting_IsIgnored()
    {
        // RFC 9368 §4: a client that acted on a Version Negotiation packet ignores any further one.
        using var pair = new QuicPair(815, serverVersions: [QuicVersion.V1]);
        QuicConnection client = pair.Connect(QuicVersion.V2);
        Assert.True(pair.Network.RunUntil(() => client.ReactedToVersionNegotiation, pair.Network.Now + TimeSpan.FromSeconds(2)));
        InjectVersionNegotiation(pair, client, [QuicVersion.V2]);
        Assert.Equal(QuicVersion.V1, client.ChosenVersion);
        Assert.Equal(ConnectionState.Open, client.State);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.Equal(QuicVersion.V1, client.Version);
    }

    [Fact]
    public void ClientChosenVersion_DifferentFromItsPackets_IsVersionNegotiationError()
    {
        // RFC 9368 §4: the server checks the client's Chosen Version against the version of its first packets. The
        // client's v1 Initials are rewritten to claim Chosen Version v2 in version_information.
        using var pair = new QuicPair(816);
        QuicConnection client = pair.Connect(QuicVersion.V1);
        using InitialPacketKeys keys = InitialPacketKeys.Derive(client.OriginalDestinationConnectionId.Span, QuicVersion.V1);
        var buffer = new byte[1500];
        Instant now = Instant.Zero;
        bool rewritten = false;
        QuicConnection? server = null;
        for (int round = 0; round < 10 && server?.CloseInfo is null; round++)
        {
            now += TimeSpan.FromMilliseconds(1);
            while (pair.ClientEndpoint.PollTransmit(now, buffer) is Transmit t)
            {
                rewritten |= RewriteChosenVersion(buffer.AsSpan(0, t.Length), keys.Client);
                pair.ServerEndpoint.HandleDatagram(now, QuicPair.ClientAddress, QuicPair.ServerAddress, buffer.AsSpan(0, t.Length), EcnCodepoint.NotEct);
            }

            if (pair.ServerEndpoint.TryAcceptConnection(out QuicConnection accepted))
            {
                server = accepted;
            }

            while (pair.ServerEndpoint.PollTransmit(now, buffer) is Transmit t)
            {
                pair.ClientEndpoint.HandleDatagram(now, QuicPair.ServerAddress, QuicPair.ClientAddress, buffer.AsSpan(0, t.Length), EcnCodepoint.NotEct);
            }
        }

        Assert.True(rewritten);
        Assert.NotNull(server);
        Assert.Equal(VersionNegotiationError, server!.CloseInfo!.ErrorCode);
        Assert.False(server.IsHandshakeComplete);
        Assert.Equal(VersionNegotiationError, client.CloseInfo!.ErrorCode);
    }

    /// <summary>Changes Chosen Version 1 to 2 in the version_information of a client Initial, re-protecting it.</summary>
    private static bool RewriteChosenVersion(Span<byte> datagram, PacketProtectionKeys keys)
    {
        if (PacketHeader.TryParse(datagram, 8, out PacketHeader header) != PacketParseStatus.Success || header.Type != PacketType.Initial)
        {
            return false;
        }

        Span<byte> packet = datagram[..header.PacketLength];
        int pnOffset = header.PacketNumberOffset;
        Assert.Equal(PacketProtectionResult.Success, PacketProtection.Unprotect(packet, pnOffset, 0, keys, out ulong pn, out int payloadOffset, out int payloadLength));

        // version_information (0x11), length 12: Chosen v1, Available v1, v2.
        ReadOnlySpan<byte> pattern = [0x11, 0x0c, 0, 0, 0, 1, 0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf];
        Span<byte> payload = packet.Slice(payloadOffset, payloadLength);
        int at = payload.IndexOf(pattern);
        if (at >= 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(payload[(at + 2)..], QuicVersion.V2.Value);
        }

        PacketProtection.Protect(packet, pnOffset, payloadOffset - pnOffset, pn, keys);
        return at >= 0;
    }

    private static void InjectVersionNegotiation(QuicPair pair, QuicConnection client, QuicVersion[] versions)
    {
        var buffer = new byte[100];
        Assert.True(VersionNegotiationPacket.TryWrite(buffer, 0x11, client.OriginalDestinationConnectionId.Span, client.InitialSourceConnectionId.Span, versions, null, out int n));
        pair.ClientEndpoint.HandleDatagram(pair.Network.Now, QuicPair.ServerAddress, QuicPair.ClientAddress, buffer.AsSpan(0, n), EcnCodepoint.NotEct);
    }
}
