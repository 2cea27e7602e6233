namespace SharpQuic.Core.Packets;

/// <summary>
/// Walks the packets coalesced in one UDP datagram (RFC 9000 §12.2): each long header with a
/// Length field ends where it says; a short header, Retry, Version Negotiation or
/// unsupported-version packet runs to the end of the datagram. Iteration stops at the first
/// header that does not parse (padding or junk after the last packet included), and
/// <see cref="Status"/> says why.
/// </summary>
/// <remarks>
/// Packets whose Destination Connection ID differs from the first packet's are skipped
/// (RFC 9000 §12.2: receivers SHOULD ignore them) and counted in <see cref="SkippedPackets"/>.
/// <see cref="CurrentPacket"/> is writable so that it can be unprotected in place.
/// </remarks>
public ref struct CoalescedPacketReader
{
    private readonly Span<byte> _datagram;
    private readonly int _shortHeaderConnectionIdLength;
    private int _offset;
    private int _firstDcidOffset;
    private int _firstDcidLength;
    private PacketHeader _current;
    private int _currentOffset;

    /// <summary>Starts before the first packet of <paramref name="datagram"/>.</summary>
    /// <param name="datagram">The received datagram; packets are unprotected in place in it.</param>
    /// <param name="shortHeaderConnectionIdLength">Length of this endpoint's connection IDs.</param>
    public CoalescedPacketReader(Span<byte> datagram, int shortHeaderConnectionIdLength)
    {
        _datagram = datagram;
        _shortHeaderConnectionIdLength = shortHeaderConnectionIdLength;
        _offset = 0;
        _firstDcidOffset = -1;
        _firstDcidLength = 0;
        _current = default;
        _currentOffset = 0;
        Status = PacketParseStatus.Success;
        SkippedPackets = 0;
    }

    /// <summary>
    /// While <see cref="MoveNext"/> returns true: <see cref="PacketParseStatus.Success"/>, or
    /// <see cref="PacketParseStatus.UnsupportedVersion"/> for an unsupported version's long header
    /// (only its invariant fields are valid). Once it returns false: why iteration stopped,
    /// <see cref="PacketParseStatus.Success"/> when the datagram was consumed exactly, otherwise
    /// the error of the bytes that could not be parsed.
    /// </summary>
    public PacketParseStatus Status { get; private set; }

    /// <summary>Packets skipped because their Destination Connection ID differed from the first packet's.</summary>
    public int SkippedPackets { get; private set; }

    /// <summary>The header of the current packet; its offsets are relative to <see cref="CurrentPacket"/>.</summary>
    public readonly PacketHeader Current => _current;

    /// <summary>The bytes of the current packet, from its first byte to its end.</summary>
    public readonly Span<byte> CurrentPacket => _datagram.Slice(_currentOffset, _current.PacketLength);

    /// <summary>Offset of the current packet in the datagram.</summary>
    public readonly int CurrentOffset => _currentOffset;

    /// <summary>Moves to the next packet; false when there is none (see <see cref="Status"/>).</summary>
    public bool MoveNext()
    {
        while (_offset < _datagram.Length)
        {
            Span<byte> rest = _datagram[_offset..];
            PacketParseStatus status = PacketHeader.TryParse(rest, _shortHeaderConnectionIdLength, out PacketHeader header);
            if (status is not (PacketParseStatus.Success or PacketParseStatus.UnsupportedVersion))
            {
                // A malformed packet ends the datagram: nothing after it can be delimited (RFC 9000 §12.2).
                Status = status;
                _offset = _datagram.Length;
                return false;
            }

            Status = status;
            int start = _offset;
            _offset += header.PacketLength;
            if (_firstDcidOffset < 0)
            {
                _firstDcidOffset = start + DcidOffset(header);
                _firstDcidLength = header.DestinationConnectionId.Length;
            }
            else if (!header.DestinationConnectionId.SequenceEqual(_datagram.Slice(_firstDcidOffset, _firstDcidLength)))
            {
                SkippedPackets++;
                continue;
            }

            _current = header;
            _currentOffset = start;
            return true;
        }

        return false;
    }

    // The DCID follows the first byte (short header) or first byte + version + length byte (long header).
    private static int DcidOffset(in PacketHeader header) => header.IsLongHeader ? 6 : 1;
}
