using SharpQuic.Core.Packets;

namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// Per-frame-type rules: which packet types may carry a frame (RFC 9000 §12.4 Table 3,
/// §12.5; RFC 9221 §4), whether it elicits an acknowledgment (§13.2), whether it counts
/// toward bytes in flight (RFC 9002 §2), and whether it is a probing frame (§9.1).
/// </summary>
public static class FrameTypeRules
{
    // One bit per packet type that may carry the frame, indexed by PacketType.
    private const byte I = 1 << (int)PacketType.Initial;
    private const byte H = 1 << (int)PacketType.Handshake;
    private const byte Z = 1 << (int)PacketType.ZeroRtt;
    private const byte O = 1 << (int)PacketType.OneRtt;

    /// <summary>True for every frame type of <see cref="FrameType"/>.</summary>
    public static bool IsKnown(ulong frameType) => frameType <= 0x1e || frameType is 0x24 or 0x30 or 0x31;

    /// <summary>True for the STREAM types 0x08–0x0f.</summary>
    public static bool IsStream(ulong frameType) => frameType is >= 0x08 and <= 0x0f;

    /// <summary>
    /// Whether a frame of this type may appear in a packet of this type. Retry and Version
    /// Negotiation packets carry no frames at all. Unknown types are never allowed.
    /// </summary>
    public static bool IsAllowedIn(FrameType frameType, PacketType packetType)
    {
        int bit = 1 << (int)packetType;
        return (PacketMask((ulong)frameType) & bit) != 0;
    }

    /// <summary>
    /// Whether receiving this frame makes the receiver send an ACK: everything except ACK,
    /// PADDING and CONNECTION_CLOSE (RFC 9000 §13.2, Table 3 "N").
    /// </summary>
    public static bool IsAckEliciting(FrameType frameType) =>
        frameType is not (FrameType.Padding or FrameType.Ack or FrameType.AckEcn
            or FrameType.ConnectionClose or FrameType.ConnectionCloseApplication);

    /// <summary>
    /// Whether a packet carrying this frame counts toward bytes in flight and congestion
    /// control. Only ACK is exempt (Table 3 "C"); PADDING does count (RFC 9002 §2: "in flight"
    /// packets are ack-eliciting or contain PADDING). CONNECTION_CLOSE is not ack-eliciting
    /// but is still congestion controlled.
    /// </summary>
    public static bool IsCongestionControlled(FrameType frameType) =>
        frameType is not (FrameType.Ack or FrameType.AckEcn);

    /// <summary>
    /// Whether the frame makes its packet count as in flight (RFC 9002 §2): ack-eliciting
    /// frames and PADDING.
    /// </summary>
    public static bool CountsInFlight(FrameType frameType) =>
        frameType == FrameType.Padding || IsAckEliciting(frameType);

    /// <summary>
    /// Probing frames (RFC 9000 §9.1, Table 3 "P"): PATH_CHALLENGE, PATH_RESPONSE,
    /// NEW_CONNECTION_ID and PADDING. A packet holding only these is a probing packet.
    /// </summary>
    public static bool IsProbing(FrameType frameType) =>
        frameType is FrameType.PathChallenge or FrameType.PathResponse
            or FrameType.NewConnectionId or FrameType.Padding;

    private static int PacketMask(ulong frameType)
    {
        // RFC 9000 §12.4 Table 3 "Pkts" column; the 0-RTT exclusions also follow §12.5 and
        // §17.2.3: 0-RTT can never carry ACK, CRYPTO, HANDSHAKE_DONE, NEW_TOKEN,
        // PATH_RESPONSE or RETIRE_CONNECTION_ID, and a server MAY treat them as
        // PROTOCOL_VIOLATION — we do.
        switch (frameType)
        {
            case 0x00: // PADDING
            case 0x01: // PING
                return I | H | Z | O;
            case 0x02: // ACK
            case 0x03:
            case 0x06: // CRYPTO
                return I | H | O;
            case 0x07: // NEW_TOKEN
            case 0x19: // RETIRE_CONNECTION_ID (§12.5 "MAY"; Table 3 would allow 0-RTT)
            case 0x1b: // PATH_RESPONSE
            case 0x1e: // HANDSHAKE_DONE
                return O;
            case 0x1c: // CONNECTION_CLOSE, transport ("ih01")
                return I | H | Z | O;
            case 0x1d: // CONNECTION_CLOSE, application: only 0-RTT and 1-RTT (Table 3 "ih")
                return Z | O;
            case 0x24: // RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §4: application data space only)
            case 0x30: // DATAGRAM (RFC 9221 §4: 0-RTT and 1-RTT only)
            case 0x31:
                return Z | O;
            case >= 0x04 and <= 0x1a: // the remaining stream/flow/CID/path frames: "__01"
                return Z | O;
            default:
                return 0;
        }
    }
}
