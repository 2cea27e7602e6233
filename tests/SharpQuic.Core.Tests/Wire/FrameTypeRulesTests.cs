using SharpQuic.Core.Packets;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Wire;

public sealed class FrameTypeRulesTests
{
    // RFC 9000 §12.4 Table 3, "Pkts" column, typed in from the spec ("ih" = only 0x1c in I/H),
    // with the §12.5 0-RTT exclusion of RETIRE_CONNECTION_ID, RFC 9221 §4 for DATAGRAM and
    // draft-ietf-quic-reliable-stream-reset §4 for RESET_STREAM_AT (application data space only).
    public static TheoryData<ulong, string> Table => new()
    {
        { 0x00, "IH01" }, { 0x01, "IH01" }, { 0x02, "IH_1" }, { 0x03, "IH_1" },
        { 0x04, "__01" }, { 0x05, "__01" }, { 0x06, "IH_1" }, { 0x07, "___1" },
        { 0x08, "__01" }, { 0x09, "__01" }, { 0x0a, "__01" }, { 0x0b, "__01" },
        { 0x0c, "__01" }, { 0x0d, "__01" }, { 0x0e, "__01" }, { 0x0f, "__01" },
        { 0x10, "__01" }, { 0x11, "__01" }, { 0x12, "__01" }, { 0x13, "__01" },
        { 0x14, "__01" }, { 0x15, "__01" }, { 0x16, "__01" }, { 0x17, "__01" },
        { 0x18, "__01" }, { 0x19, "___1" }, { 0x1a, "__01" }, { 0x1b, "___1" },
        { 0x1c, "IH01" }, { 0x1d, "__01" }, { 0x1e, "___1" }, { 0x24, "__01" }, { 0x30, "__01" }, { 0x31, "__01" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Allowed_packet_types_match_table_3(ulong frameType, string pkts)
    {
        var type = (FrameType)frameType;
        Assert.True(FrameTypeRules.IsKnown(frameType));
        Assert.Equal(pkts[0] == 'I', FrameTypeRules.IsAllowedIn(type, PacketType.Initial));
        Assert.Equal(pkts[1] == 'H', FrameTypeRules.IsAllowedIn(type, PacketType.Handshake));
        Assert.Equal(pkts[2] == '0', FrameTypeRules.IsAllowedIn(type, PacketType.ZeroRtt));
        Assert.Equal(pkts[3] == '1', FrameTypeRules.IsAllowedIn(type, PacketType.OneRtt));
        Assert.False(FrameTypeRules.IsAllowedIn(type, PacketType.Retry));
        Assert.False(FrameTypeRules.IsAllowedIn(type, PacketType.VersionNegotiation));
    }

    [Fact]
    public void Every_enum_member_is_in_the_table_and_nothing_else_is_known()
    {
        var table = new HashSet<ulong>();
        foreach (object[] row in Table)
        {
            table.Add((ulong)row[0]);
        }

        foreach (FrameType t in Enum.GetValues<FrameType>())
        {
            Assert.Contains((ulong)t, table);
        }

        for (ulong t = 0; t < 0x100; t++)
        {
            Assert.Equal(table.Contains(t), FrameTypeRules.IsKnown(t));
        }
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Ack_eliciting_in_flight_and_probing_follow_table_3_spec_column(ulong frameType, string pkts)
    {
        _ = pkts;
        var type = (FrameType)frameType;
        bool n = frameType is 0x00 or 0x02 or 0x03 or 0x1c or 0x1d;      // "N"
        bool c = frameType is 0x02 or 0x03;                               // "C"
        bool p = frameType is 0x00 or 0x18 or 0x1a or 0x1b;               // "P"
        Assert.Equal(!n, FrameTypeRules.IsAckEliciting(type));
        Assert.Equal(!c, FrameTypeRules.IsCongestionControlled(type));
        Assert.Equal(p, FrameTypeRules.IsProbing(type));
        Assert.Equal(!n || frameType == 0x00, FrameTypeRules.CountsInFlight(type));
    }
}
