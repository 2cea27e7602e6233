using System.Net;
using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Tests.Wire;

public sealed class TransportParametersTests
{
    // A minimal valid client blob: initial_source_connection_id (0x0f) of 0 bytes.
    private const string ClientIscid = "0f00";

    // A minimal valid server blob: original_destination_connection_id (0x00) of 1 byte + ISCID.
    private const string ServerBase = "0001aa" + "0f00";

    private static TransportErrorCode Parse(string hex, bool sentByServer) =>
        TransportParameters.TryParse(Convert.FromHexString(hex), sentByServer, out _, out _);

    [Fact]
    public void Defaults_match_section_18_2()
    {
        Assert.Equal(TransportErrorCode.NoError, TransportParameters.TryParse(Convert.FromHexString(ClientIscid), false, out var p, out string? reason));
        Assert.Null(reason);
        Assert.NotNull(p);
        Assert.Equal(65527UL, p.MaxUdpPayloadSize);
        Assert.Equal(3UL, p.AckDelayExponent);
        Assert.Equal(25UL, p.MaxAckDelay);
        Assert.Equal(2UL, p.ActiveConnectionIdLimit);
        Assert.Equal(0UL, p.MaxIdleTimeout);
        Assert.Equal(0UL, p.InitialMaxData);
        Assert.Equal(0UL, p.MaxDatagramFrameSize);
        Assert.False(p.DisableActiveMigration);
        Assert.Null(p.PreferredAddress);
        Assert.Null(p.VersionInformation);
        Assert.Empty(p.InitialSourceConnectionId!);
    }

    [Fact]
    public void Small_hand_built_encoding_has_the_exact_bytes()
    {
        var p = new TransportParameters
        {
            MaxIdleTimeout = 30000,
            InitialMaxData = 1048576,
            AckDelayExponent = 8,
            DisableActiveMigration = true,
            InitialSourceConnectionId = [0x01, 0x02],
            MaxDatagramFrameSize = 65535,
        };

        // Typed by hand from RFC 9000 §16 / §18: id, length, value, in id order.
        string expected =
            "01" + "04" + "80007530" +    // max_idle_timeout 30000: 4-byte varint
            "04" + "04" + "80100000" +    // initial_max_data 2^20: 4-byte varint
            "0a" + "01" + "08" +          // ack_delay_exponent 8
            "0c" + "00" +                 // disable_active_migration
            "0f" + "02" + "0102" +        // initial_source_connection_id
            "20" + "04" + "8000ffff";     // max_datagram_frame_size 65535
        byte[] buffer = new byte[64];
        Assert.True(p.TryWrite(buffer, out int written));
        Assert.Equal(expected, Convert.ToHexString(buffer, 0, written).ToLowerInvariant());
        Assert.Equal(written, p.EncodedLength);
        Assert.False(p.TryWrite(buffer.AsSpan(0, written - 1), out _));
    }

    [Fact]
    public void Random_parameters_round_trip()
    {
        var random = new Random(11);
        byte[] buffer = new byte[1024];
        for (int i = 0; i < 1000; i++)
        {
            bool server = random.Next(2) == 0;
            TransportParameters p = RandomParameters(random, server);
            Assert.True(p.TryWrite(buffer, out int written));
            Assert.Equal(p.EncodedLength, written);
            Assert.Equal(TransportErrorCode.NoError, TransportParameters.TryParse(buffer.AsSpan(0, written), server, out var q, out string? reason));
            Assert.True(reason is null, reason);
            AssertSame(p, q!);
        }
    }

    [Fact]
    public void Grease_and_unknown_ids_are_ignored()
    {
        var p = new TransportParameters { InitialSourceConnectionId = [], InitialMaxData = 77 };
        byte[] buffer = new byte[128];
        Assert.True(p.TryWrite(buffer, 5, [1, 2, 3], out int written));
        Assert.True(TransportParameters.IsGreaseId(TransportParameters.GreaseId(5)));
        Assert.Equal(TransportErrorCode.NoError, TransportParameters.TryParse(buffer.AsSpan(0, written), false, out var q, out _));
        Assert.Equal(77UL, q!.InitialMaxData);
        Assert.True(written > p.EncodedLength);

        // Unknown non-GREASE ids 0x21 and a large 8-byte id, with odd values.
        Assert.Equal(TransportErrorCode.NoError, Parse(ClientIscid + "2103aabbcc" + "c000000000001234" + "00", false));
    }

    [Theory]
    [InlineData(ClientIscid + "0f00", "duplicate")]                    // any id twice (§7.4)
    [InlineData(ClientIscid + "210100" + "210100", "duplicate")]       // unknown id twice
    [InlineData(ClientIscid + "01024001" + "0102" + "4001", "duplicate")]
    [InlineData(ClientIscid + "0102" + "0100", "not exactly one varint")] // value longer than its varint
    [InlineData(ClientIscid + "0101" + "40", "not exactly one varint")] // varint cut by the length
    [InlineData(ClientIscid + "0100", "not exactly one varint")]       // empty integer value
    [InlineData(ClientIscid + "0001aa", "server-only")]                // ODCID from a client
    [InlineData(ClientIscid + "0210" + "00112233445566778899aabbccddeeff", "server-only")]
    [InlineData(ClientIscid + "1001aa", "server-only")]                // retry SCID from a client
    [InlineData(ClientIscid + "0a0115", "ack_delay_exponent")]         // 21
    [InlineData(ClientIscid + "0b04" + "80004000", "max_ack_delay")]   // 2^14
    [InlineData(ClientIscid + "0302" + "44af", "max_udp_payload_size")] // 1199
    [InlineData(ClientIscid + "0e0101", "active_connection_id_limit")] // 1
    [InlineData(ClientIscid + "0808" + "d000000000000001", "2^60")]    // streams bidi
    [InlineData(ClientIscid + "0908" + "d000000000000001", "2^60")]    // streams uni
    [InlineData("0f15" + "000102030405060708090a0b0c0d0e0f1011121314", "longer than 20")]
    [InlineData(ClientIscid + "0c0100", "disable_active_migration")]
    [InlineData(ClientIscid + "1103" + "000001", "multiple of 4")]     // version_information length 3
    [InlineData(ClientIscid + "1100", "multiple of 4")]                // empty
    [InlineData(ClientIscid + "1108" + "00000000" + "00000001", "zero version")]
    [InlineData(ClientIscid + "1108" + "00000001" + "00000000", "zero version")]
    [InlineData(ClientIscid + "1108" + "00000001" + "6b3343cf", "chosen version")] // client without its chosen version
    [InlineData(ClientIscid + "05", "truncated")]
    [InlineData(ClientIscid + "0505" + "00", "truncated")]
    [InlineData("0104" + "80007530", "missing initial_source_connection_id")]
    public void Client_parameter_violations_are_rejected(string hex, string reasonPart)
    {
        Assert.Equal(TransportErrorCode.TransportParameterError, TransportParameters.TryParse(Convert.FromHexString(hex), false, out var p, out string? reason));
        Assert.Null(p);
        Assert.Contains(reasonPart, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerBase + "020f" + "00112233445566778899aabbccddee", "16 bytes")]
    [InlineData(ServerBase + "0d29" + "0a000001" + "01bb" + "20010db8000000000000000000000001" + "01bb" + "00" + "00112233445566778899aabbccddeeff", "zero-length")]
    [InlineData(ServerBase + "0d2a" + "0a000001" + "01bb" + "20010db8000000000000000000000001" + "01bb" + "02" + "aa" + "00112233445566778899aabbccddeeff", "length mismatch")]
    [InlineData(ServerBase + "0d10" + "00112233445566778899aabbccddeeff", "too short")]
    [InlineData("0f00", "missing original_destination_connection_id")]
    [InlineData(ServerBase + "1015" + "000102030405060708090a0b0c0d0e0f1011121314", "longer than 20")]
    public void Server_parameter_violations_are_rejected(string hex, string reasonPart)
    {
        Assert.Equal(TransportErrorCode.TransportParameterError, TransportParameters.TryParse(Convert.FromHexString(hex), true, out _, out string? reason));
        Assert.Contains(reasonPart, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Boundary_values_are_accepted()
    {
        Assert.Equal(TransportErrorCode.NoError, Parse(ClientIscid + "0a0114" + "0b02" + "7fff" + "0302" + "44b0" + "0e0102" + "0808" + "d000000000000000", false));
        // A server's version_information need not list its chosen version among the available ones.
        Assert.Equal(TransportErrorCode.NoError, Parse(ServerBase + "1108" + "00000001" + "6b3343cf", true));
        Assert.Equal(TransportErrorCode.NoError, Parse(ServerBase + "1104" + "00000001", true));
    }

    [Fact]
    public void Preferred_address_round_trips_from_the_server()
    {
        string hex = "0001aa" + "0d2a" + "0a000001" + "01bb" + "20010db8000000000000000000000001" + "115c" + "01" + "aa" + "00112233445566778899aabbccddeeff" + "0f00";
        Assert.Equal(TransportErrorCode.NoError, TransportParameters.TryParse(Convert.FromHexString(hex), true, out var p, out _));
        PreferredAddress pa = p!.PreferredAddress!;
        Assert.Equal(IPAddress.Parse("10.0.0.1"), pa.IPv4Address);
        Assert.Equal(443, pa.IPv4Port);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), pa.IPv6Address);
        Assert.Equal(4444, pa.IPv6Port);
        Assert.Equal(new byte[] { 0xaa }, pa.ConnectionId);
        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), pa.StatelessResetToken);
        byte[] buffer = new byte[128];
        Assert.True(p.TryWrite(buffer, out int written));
        Assert.Equal(hex, Convert.ToHexString(buffer, 0, written).ToLowerInvariant());
    }

    internal static TransportParameters RandomParameters(Random random, bool server)
    {
        byte[] Cid(int min) => WireRandom.Bytes(random, 20, min);
        var p = new TransportParameters
        {
            InitialSourceConnectionId = Cid(0),
            MaxIdleTimeout = Maybe(random, WireRandom.VarInt62(random)),
            MaxUdpPayloadSize = Math.Max(1200, WireRandom.VarInt62(random)),
            InitialMaxData = Maybe(random, WireRandom.VarInt62(random)),
            InitialMaxStreamDataBidiLocal = Maybe(random, WireRandom.VarInt62(random)),
            InitialMaxStreamDataBidiRemote = Maybe(random, WireRandom.VarInt62(random)),
            InitialMaxStreamDataUni = Maybe(random, WireRandom.VarInt62(random)),
            InitialMaxStreamsBidi = Maybe(random, WireRandom.VarInt62(random, 1UL << 60)),
            InitialMaxStreamsUni = Maybe(random, WireRandom.VarInt62(random, 1UL << 60)),
            AckDelayExponent = (ulong)random.Next(21),
            MaxAckDelay = (ulong)random.Next(1 << 14),
            DisableActiveMigration = random.Next(2) == 0,
            ActiveConnectionIdLimit = Math.Max(2, WireRandom.VarInt62(random)),
            MaxDatagramFrameSize = Maybe(random, WireRandom.VarInt62(random)),
        };
        if (random.Next(2) == 0)
        {
            uint chosen = (uint)random.Next(1, int.MaxValue);
            uint[] available = new uint[random.Next(server ? 0 : 1, 5)];
            for (int i = 0; i < available.Length; i++)
            {
                available[i] = (uint)random.Next(1, int.MaxValue);
            }

            if (!server)
            {
                available[random.Next(available.Length)] = chosen;
            }

            p.VersionInformation = new VersionInformation(chosen, available);
        }

        if (server)
        {
            p.OriginalDestinationConnectionId = Cid(0);
            p.StatelessResetToken = random.Next(2) == 0 ? null : WireRandom.Bytes(random, 16, 16);
            p.RetrySourceConnectionId = random.Next(2) == 0 ? null : Cid(0);
            if (random.Next(2) == 0)
            {
                byte[] v4 = WireRandom.Bytes(random, 4, 4), v6 = WireRandom.Bytes(random, 16, 16);
                p.PreferredAddress = new PreferredAddress(new IPAddress(v4), (ushort)random.Next(65536), new IPAddress(v6), (ushort)random.Next(65536), Cid(1), WireRandom.Bytes(random, 16, 16));
            }
        }

        return p;
    }

    private static ulong Maybe(Random random, ulong value) => random.Next(3) == 0 ? 0 : value;

    private static void AssertSame(TransportParameters a, TransportParameters b)
    {
        Assert.Equal(a.OriginalDestinationConnectionId, b.OriginalDestinationConnectionId);
        Assert.Equal(a.InitialSourceConnectionId, b.InitialSourceConnectionId);
        Assert.Equal(a.RetrySourceConnectionId, b.RetrySourceConnectionId);
        Assert.Equal(a.StatelessResetToken, b.StatelessResetToken);
        Assert.Equal(a.MaxIdleTimeout, b.MaxIdleTimeout);
        Assert.Equal(a.MaxUdpPayloadSize, b.MaxUdpPayloadSize);
        Assert.Equal(a.InitialMaxData, b.InitialMaxData);
        Assert.Equal(a.InitialMaxStreamDataBidiLocal, b.InitialMaxStreamDataBidiLocal);
        Assert.Equal(a.InitialMaxStreamDataBidiRemote, b.InitialMaxStreamDataBidiRemote);
        Assert.Equal(a.InitialMaxStreamDataUni, b.InitialMaxStreamDataUni);
        Assert.Equal(a.InitialMaxStreamsBidi, b.InitialMaxStreamsBidi);
        Assert.Equal(a.InitialMaxStreamsUni, b.InitialMaxStreamsUni);
        Assert.Equal(a.AckDelayExponent, b.AckDelayExponent);
        Assert.Equal(a.MaxAckDelay, b.MaxAckDelay);
        Assert.Equal(a.DisableActiveMigration, b.DisableActiveMigration);
        Assert.Equal(a.ActiveConnectionIdLimit, b.ActiveConnectionIdLimit);
        Assert.Equal(a.MaxDatagramFrameSize, b.MaxDatagramFrameSize);
        Assert.Equal(a.VersionInformation?.ChosenVersion, b.VersionInformation?.ChosenVersion);
        Assert.Equal(a.VersionInformation?.AvailableVersions, b.VersionInformation?.AvailableVersions);
        Assert.Equal(a.PreferredAddress?.IPv4Address, b.PreferredAddress?.IPv4Address);
        Assert.Equal(a.PreferredAddress?.IPv4Port, b.PreferredAddress?.IPv4Port);
        Assert.Equal(a.PreferredAddress?.IPv6Address, b.PreferredAddress?.IPv6Address);
        Assert.Equal(a.PreferredAddress?.IPv6Port, b.PreferredAddress?.IPv6Port);
        Assert.Equal(a.PreferredAddress?.ConnectionId, b.PreferredAddress?.ConnectionId);
        Assert.Equal(a.PreferredAddress?.StatelessResetToken, b.PreferredAddress?.StatelessResetToken);
    }
}
