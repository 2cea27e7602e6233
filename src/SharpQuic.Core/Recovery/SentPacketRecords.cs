namespace SharpQuic.Core.Recovery;

/// <summary>
/// The sent packets of one packet number space that are neither acknowledged nor lost
/// (RFC 9002 Appendix A.1), in a ring buffer indexed by packet number. Packet numbers are
/// added in increasing order; gaps (numbers skipped on purpose, RFC 9000 §21.4) are remembered
/// as "never sent" so that an ACK covering one can be reported. The window runs from the
/// oldest outstanding packet to the largest sent; it grows by doubling up to a bound and
/// allocates nothing once grown.
/// </summary>
public sealed class SentPacketRecords
{
    // Small at first: most connections never have more than a handful of packets in flight in the
    // Initial and Handshake spaces; the ring doubles (up to MaxCapacity) when a transfer needs it.
    private const int InitialCapacity = 16;

    private Slot[] _slots;
    private int _head;
    private ulong _base;
    private int _length;
    private bool _anySent;
    private ulong _largestSent;
    private int _skippedInWindow;

    /// <summary>Creates an empty store that may grow to <paramref name="maxCapacity"/> packets (rounded up to a power of two).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCapacity"/> is below 2 or above 2^24.</exception>
    public SentPacketRecords(int maxCapacity = 1 << 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCapacity, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCapacity, 1 << 24);
        MaxCapacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)maxCapacity);
        _slots = new Slot[Math.Min(InitialCapacity, MaxCapacity)];
    }

    /// <summary>The state of one packet number inside the window.</summary>
    internal enum SlotState : byte
    {
        /// <summary>Never sent: a skipped packet number.</summary>
        NotSent = 0,

        /// <summary>Sent and neither acknowledged nor declared lost.</summary>
        Outstanding = 1,

        /// <summary>Acknowledged.</summary>
        Acked = 2,

        /// <summary>Declared lost (an ACK for it later means the loss was spurious).</summary>
        Lost = 3,

        /// <summary>Removed without a verdict (keys discarded).</summary>
        Removed = 4,
    }

    /// <summary>The most packets the window may span.</summary>
    public int MaxCapacity { get; }

    /// <summary>The packets the window can span before it must grow.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Packets outstanding (neither acknowledged nor lost).</summary>
    public int Count { get; private set; }

    /// <summary>The largest packet number added, or null if none was.</summary>
    public ulong? LargestSent => _anySent ? _largestSent : null;

    /// <summary>The smallest packet number the window still knows about (everything below is settled).</summary>
    internal ulong WindowStart => _base;

    /// <summary>The packet number one past the window's end.</summary>
    internal ulong WindowEnd => _base + (ulong)_length;

    /// <summary>Whether any skipped packet number is inside the window.</summary>
    internal bool HasSkippedInWindow => _skippedInWindow > 0;

    /// <summary>
    /// Adds a sent packet. Returns false, storing nothing, when its number is not above every
    /// number added before or when the window would have to grow past <see cref="MaxCapacity"/>
    /// (the connection should then stop sending until packets are acknowledged or lost).
    /// </summary>
    public bool TryAdd(in SentPacket packet)
    {
        ulong pn = packet.PacketNumber;
        if (_anySent && pn <= _largestSent)
        {
            return false;
        }

        if (_length == 0)
        {
            // (An empty window always starts right after the largest sent, see Trim.)
            // An empty window starts at the first number after the previous packet, so skipped
            // numbers stay recognisable, unless the jump is too large to be worth recording.
            ulong start = _anySent ? _largestSent + 1 : 0;
            _base = pn - start < (ulong)(_slots.Length / 2) ? start : pn;
            _head = 0;
            _skippedInWindow = 0;
        }

        ulong needed = pn - _base + 1;
        if (needed > (ulong)MaxCapacity && _length > 0)
        {
            // Lost packets kept for spurious-loss detection give way before sending stops.
            Trim(Instant.Infinite);
            if (_length == 0)
            {
                return TryAdd(packet);
            }

            needed = pn - _base + 1;
        }

        if (needed > (ulong)_slots.Length && !TryGrow(needed))
        {
            return false;
        }

        // Mark the skipped numbers between the previous packet and this one as never sent.
        for (ulong skipped = _base + (ulong)_length; skipped < pn; skipped++)
        {
            ref Slot gap = ref _slots[IndexOf(skipped)];
            gap = default;
            _skippedInWindow++;
        }

        ref Slot slot = ref _slots[IndexOf(pn)];
        slot.Packet = packet;
        slot.State = SlotState.Outstanding;
        _length = (int)needed;
        _largestSent = pn;
        _anySent = true;
        Count++;
        return true;
    }

    /// <summary>Whether <paramref name="packetNumber"/> is outstanding.</summary>
    public bool Contains(ulong packetNumber) => StateOf(packetNumber) == SlotState.Outstanding;

    /// <summary>Gets an outstanding packet by number.</summary>
    public bool TryGet(ulong packetNumber, out SentPacket packet)
    {
        if (StateOf(packetNumber) == SlotState.Outstanding)
        {
            packet = _slots[IndexOf(packetNumber)].Packet;
            return true;
        }

        packet = default;
        return false;
    }

    /// <summary>Removes an outstanding packet without a verdict. Returns false if it was not outstanding.</summary>
    public bool TryRemove(ulong packetNumber, out SentPacket packet)
    {
        if (!TryGet(packetNumber, out packet))
        {
            return false;
        }

        SetState(packetNumber, SlotState.Removed);
        Trim(Instant.Infinite);
        return true;
    }

    /// <summary>
    /// Whether <paramref name="packetNumber"/> was certainly never sent: above the largest sent,
    /// or a skipped number still inside the window. Numbers below the window are settled and
    /// cannot be judged, so they count as sent.
    /// </summary>
    public bool WasNeverSent(ulong packetNumber)
    {
        if (!_anySent || packetNumber > _largestSent)
        {
            return true;
        }

        return _skippedInWindow > 0 && packetNumber >= _base && StateOf(packetNumber) == SlotState.NotSent;
    }

    /// <summary>Forgets every packet (keys discarded, RFC 9002 §6.4). The largest number sent is kept.</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        _head = 0;
        _base = _anySent ? _largestSent + 1 : 0;
        _length = 0;
        _skippedInWindow = 0;
        Count = 0;
    }

    /// <summary>The state of a number; numbers outside the window report <see cref="SlotState.Removed"/>.</summary>
    internal SlotState StateOf(ulong packetNumber)
    {
        if (packetNumber < _base || packetNumber - _base >= (ulong)_length)
        {
            return SlotState.Removed;
        }

        return _slots[IndexOf(packetNumber)].State;
    }

    /// <summary>The slot of a number inside the window.</summary>
    internal ref Slot SlotAt(ulong packetNumber) => ref _slots[IndexOf(packetNumber)];

    /// <summary>Gives an outstanding packet its verdict (the caller then calls <see cref="Trim"/>).</summary>
    internal void SetState(ulong packetNumber, SlotState state)
    {
        ref Slot slot = ref _slots[IndexOf(packetNumber)];
        if (slot.State == SlotState.Outstanding && state != SlotState.Outstanding)
        {
            Count--;
        }

        slot.State = state;
    }

    /// <summary>
    /// Moves the window's start past settled packets, so it begins at the oldest outstanding
    /// packet or at the oldest lost packet sent after <paramref name="keepLostSentAfter"/>: lost
    /// packets are remembered a while so that a late acknowledgment can be recognised as a
    /// spurious loss (RFC 9002 Appendix A.1).
    /// </summary>
    internal void Trim(Instant keepLostSentAfter)
    {
        int mask = _slots.Length - 1;
        while (_length > 0)
        {
            ref Slot slot = ref _slots[_head];
            if (slot.State == SlotState.Outstanding || (slot.State == SlotState.Lost && slot.Packet.TimeSent > keepLostSentAfter))
            {
                return;
            }

            if (slot.State == SlotState.NotSent)
            {
                _skippedInWindow--;
            }

            _head = (_head + 1) & mask;
            _base++;
            _length--;
        }

        // Nothing left: the next window starts after the largest sent.
        _head = 0;
        _skippedInWindow = 0;
    }

    private int IndexOf(ulong packetNumber) => (int)((ulong)_head + (packetNumber - _base)) & (_slots.Length - 1);

    private bool TryGrow(ulong needed)
    {
        if (needed > (ulong)MaxCapacity)
        {
            return false;
        }

        int capacity = _slots.Length;
        while ((ulong)capacity < needed)
        {
            capacity *= 2;
        }

        // Unroll the ring into the new array so the window starts at index 0.
        var grown = new Slot[capacity];
        int mask = _slots.Length - 1;
        for (int i = 0; i < _length; i++)
        {
            grown[i] = _slots[(_head + i) & mask];
        }

        _slots = grown;
        _head = 0;
        return true;
    }

    /// <summary>One ring buffer entry.</summary>
    internal struct Slot
    {
        /// <summary>The packet (meaningful unless <see cref="State"/> is NotSent).</summary>
        public SentPacket Packet;

        /// <summary>Where the packet stands.</summary>
        public SlotState State;
    }
}
