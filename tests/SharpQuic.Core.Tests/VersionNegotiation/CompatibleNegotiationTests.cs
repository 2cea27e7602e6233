using System.Buffers.Binary;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.VersionNegotiation;

/// <summary>Compatible version negotiation between QUIC v1 and v2 (RFC 9368 §2.3, RFC 9369 §4) through real connections.</summary>
public sealed class CompatibleNegotiationTests
{
    [Fact]
    public void V1Client_IsUpgradedToV2_ByServerPreferringV2_AndDataFlows()
    {
        using var pair = new QuicPair(801, serverVersions: [QuicVersion.V2, QuicVersion.V1], preferServerVersionOrder: true);
        var log = new VersionLog();
        pair.Network.Observer = log.Observe;
        QuicConnection client = pair.Connect(QuicVersion.V1);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));

        Assert.Equal(QuicVersion.V2, client.Version);
        Assert.Equal(QuicVersion.V2, pair.ServerConnection!.Version);
        Assert.Equal(QuicVersion.V1, client.ChosenVersion);
        Assert.Equal(QuicVersion.V1, pair.ServerConnection.ChosenVersion);

        // The first flight is v1; every server Handshake packet is v2 (RFC 9369 §4.1); the client moved its Initials too.
        Assert.Equal(QuicVersion.V1.Value, log.FirstClientVersion);
        Assert.True(log.ServerHandshake(QuicVersion.V2) > 0);
        Assert.Equal(0, log.ServerHandshake(QuicVersion.V1));
        Assert.Equal(0, log.ClientHandshake(QuicVersion.V1));
        Assert.True(log.ServerInitial(QuicVersion.V2) > 0);

        // version_information both ways (RFC 9368 §3).
        Assert.Equal(QuicVersion.V2.Value, client.PeerParameters!.VersionInformation!.ChosenVersion);
        Assert.Equal([QuicVersion.V2.Value, QuicVersion.V1.Value], client.PeerParameters.VersionInformation.AvailableVersions);
        Assert.Equal(QuicVersion.V1.Value, pair.ServerConnection.PeerParameters!.VersionInformation!.ChosenVersion);
        Assert.Equal([QuicVersion.V1.Value, QuicVersion.V2.Value], pair.ServerConnection.PeerParameters.VersionInformation.AvailableVersions);

        AssertEcho(pair, 40_000, 11);
    }

    [Fact]
    public void V2Client_IsMovedToV1_ByServerPreferringV1_AndDataFlows()
    {
        using var pair = new QuicPair(802, serverVersions: [QuicVersion.V1, QuicVersion.V2], preferServerVersionOrder: true);
        var log = new VersionLog();
        pair.Network.Observer = log.Observe;
        QuicConnection client = pair.Connect(QuicVersion.V2);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));

        Assert.Equal(QuicVersion.V1, client.Version);
        Assert.Equal(QuicVersion.V1, pair.ServerConnection!.Version);
        Assert.Equal(QuicVersion.V2.Value, log.FirstClientVersion);
        Assert.True(log.ServerHandshake(QuicVersion.V1) > 0);
        Assert.Equal(0, log.ServerHandshake(QuicVersion.V2));
        Assert.Equal(QuicVersion.V1.Value, client.PeerParameters!.VersionInformation!.ChosenVersion);
        AssertEcho(pair, 25_000, 12);
    }

    [Theory]
    [InlineData(0x0000_0001u)]
    [InlineData(0x6b33_43cfu)]
    public void ServerFollowingTheClient_KeepsItsChosenVersion(uint chosen)
    {
        // Default policy: the client's order, its Chosen Version first — no switch, even if the server lists the other first.
        using var pair = new QuicPair(803, serverVersions: [QuicVersion.V2, QuicVersion.V1]);
        var version = new QuicVersion(chosen);
        QuicConnection client = pair.Connect(version);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.Equal(version, client.Version);
        Assert.Equal(version, pair.ServerConnection!.Version);
        Assert.Equal(chosen, client.PeerParameters!.VersionInformation!.ChosenVersion);
    }

    [Fact]
    public void ClientOfferingOnlyV1_IsNotUpgraded_EvenByServerPreferringV2()
    {
        using var pair = new QuicPair(804, serverVersions: [QuicVersion.V2, QuicVersion.V1], preferServerVersionOrder: true, clientVersions: [QuicVersion.V1]);
        QuicConnection client = pair.Connect(QuicVersion.V1);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.Equal(QuicVersion.V1, client.Version);
        Assert.Equal(QuicVersion.V1, pair.ServerConnection!.Version);
        Assert.Equal([QuicVersion.V1.Value], pair.ServerConnection.PeerParameters!.VersionInformation!.AvailableVersions);
    }

    [Fact]
    public void Upgrade_SurvivesLossOfFirstServerFlight()
    {
        // The server's first v2 flight is lost: the client keeps sending v1 Initials, which the server still reads
        // with the v1 keys it keeps until a Handshake packet arrives (RFC 9369 §4.1).
        using var pair = new QuicPair(805, serverVersions: [QuicVersion.V2, QuicVersion.V1], preferServerVersionOrder: true);
        int dropped = 0;
        pair.Network.GetLink(pair.ServerHost, pair.ClientHost).DropFilter = (in SimulatedDatagram d) => d.Index < 3 && ++dropped > 0;
        QuicConnection client = pair.Connect(QuicVersion.V1);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(10)));
        Assert.True(dropped > 0);
        Assert.Equal(QuicVersion.V2, client.Version);
        Assert.Equal(QuicVersion.V2, pair.ServerConnection!.Version);
        AssertEcho(pair, 5_000, 13);
    }

    [Fact]
    public void Upgrade_AfterRetry_UsesTheOriginalVersionForTheRetry()
    {
        // RFC 9369 §4.1: the Retry is in the original version; the upgrade follows, keys from the Retry's SCID, and
        // the transport parameters still authenticate the Retry (RFC 9000 §7.3).
        using var pair = new QuicPair(807, requireRetry: true, serverVersions: [QuicVersion.V2, QuicVersion.V1], preferServerVersionOrder: true);
        var log = new VersionLog();
        pair.Network.Observer = log.Observe;
        QuicConnection client = pair.Connect(QuicVersion.V1);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        // One Retry per datagram of the two-datagram first flight (X25519MLKEM768); none in v2.
        Assert.True(log.Count(true, PacketType.Retry, QuicVersion.V1) >= 1);
        Assert.Equal(0, log.Count(true, PacketType.Retry, QuicVersion.V2));
        Assert.Equal(QuicVersion.V2, client.Version);
        Assert.Equal(QuicVersion.V2, pair.ServerConnection!.Version);
        Assert.NotNull(client.PeerParameters!.RetrySourceConnectionId);
        AssertEcho(pair, 5_000, 14);
    }

    [Fact]
    public void ForgedV2Initial_DoesNotSwitchTheClient()
    {
        // A v2 Initial that does not authenticate under v2 keys for the client's connection ID is dropped: no switch.
        using var pair = new QuicPair(806);
        QuicConnection client = pair.Connect(QuicVersion.V1);
        var forged = new byte[1200];
        forged[0] = 0xd0; // long header, v2 Initial type bits 01
        BinaryPrimitives.WriteUInt32BigEndian(forged.AsSpan(1), QuicVersion.V2.Value);
        forged[5] = (byte)client.InitialSourceConnectionId.Length;
        client.InitialSourceConnectionId.Span.CopyTo(forged.AsSpan(6));
        int at = 6 + client.InitialSourceConnectionId.Length;
        forged[at++] = 8; // SCID
        at += 8;
        forged[at++] = 0; // token length
        forged[at++] = 0x44; // length 1100 (2-byte varint)
        forged[at++] = 0x4c;
        new Random(1).NextBytes(forged.AsSpan(at));
        pair.ClientEndpoint.HandleDatagram(Instant.Zero, QuicPair.ServerAddress, QuicPair.ClientAddress, forged, EcnCodepoint.NotEct);
        Assert.Equal(QuicVersion.V1, client.Version);
        Assert.Equal(ConnectionState.Open, client.State);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.Equal(QuicVersion.V1, client.Version);
    }

    internal static void AssertEcho(QuicPair pair, int size, int seed)
    {
        var server = new EchoServer();
        pair.ServerApp = now => server.Run(pair.ServerConnection, now);
        var payload = new byte[size];
        new Random(seed).NextBytes(payload);
        Assert.True(pair.Client!.TryOpenStream(bidirectional: true, out StreamId id));
        var stream = new EchoClientStream(id, payload);
        var buffer = new byte[65536];
        pair.ClientApp = now => stream.Pump(pair.Client, now, buffer);
        stream.Pump(pair.Client, pair.Network.Now, buffer);
        Assert.True(pair.Network.RunUntil(() => stream.Done, pair.Network.Now + TimeSpan.FromSeconds(20)));
        Assert.Equal(payload.Length, stream.ReceivedBytes);
        Assert.Equal(stream.ExpectedHash, stream.ReceivedHash);
    }

    /// <summary>Counts long header packets per direction, type and version, reading the first packet of each datagram.</summary>
    internal sealed class VersionLog
    {
        private readonly Dictionary<(bool FromServer, PacketType Type, uint Version), int> _counts = [];

        public uint? FirstClientVersion { get; private set; }

        public int ServerHandshake(QuicVersion v) => Count(true, PacketType.Handshake, v);

        public int ClientHandshake(QuicVersion v) => Count(false, PacketType.Handshake, v);

        public int ServerInitial(QuicVersion v) => Count(true, PacketType.Initial, v);

        public void Observe(in SimulatedDatagram d)
        {
            bool fromServer = d.Source.Equals(QuicPair.ServerAddress);
            ReadOnlySpan<byte> rest = d.Bytes;

            // Walk coalesced long header packets by their Length fields (RFC 9000 §12.2).
            while (rest.Length > 7 && (rest[0] & 0x80) != 0)
            {
                uint version = BinaryPrimitives.ReadUInt32BigEndian(rest[1..]);
                if (version == 0)
                {
                    return;
                }

                var v = new QuicVersion(version);
                if (!fromServer && FirstClientVersion is null)
                {
                    FirstClientVersion = version;
                }

                PacketType type = v.IsSupported ? v.PacketTypeFromBits((rest[0] >> 4) & 3) : PacketType.Initial;
                _counts[(fromServer, type, version)] = Count(fromServer, type, v) + 1;
                int at = 5;
                at += 1 + rest[at];
                at += 1 + rest[at];
                if (type == PacketType.Initial)
                {
                    ulong tokenLength = ReadVarInt(rest, ref at);
                    at += (int)tokenLength;
                }

                if (type == PacketType.Retry)
                {
                    return;
                }

                ulong length = ReadVarInt(rest, ref at);
                int end = at + (int)length;
                if (end > rest.Length)
                {
                    return;
                }

                rest = rest[end..];
            }
        }

        public int Count(bool fromServer, PacketType type, QuicVersion v) => _counts.TryGetValue((fromServer, type, v.Value), out int n) ? n : 0;

        private static ulong ReadVarInt(ReadOnlySpan<byte> data, ref int at)
        {
            int length = 1 << (data[at] >> 6);
            ulong value = (ulong)(data[at] & 0x3f);
            for (int i = 1; i < length; i++)
            {
                value = (value << 8) | data[at + i];
            }

            at += length;
            return value;
        }
    }
}
