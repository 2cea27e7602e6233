using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Endpoint;
using SharpQuic.Udp;

namespace SharpQuic.Runtime;

/// <summary>
/// The worker's outgoing datagrams of one iteration, packed back to back in one pinned buffer: consecutive
/// datagrams of equal size to the same destination become one GSO transmit (UDP_SEGMENT), and the whole batch
/// goes out in one sendmmsg. When the socket's buffer is full the rest waits here (the worker then waits for
/// writability), so nothing is dropped by the driver.
/// </summary>
internal sealed class SendBatch
{
    /// <summary>Room kept free for one datagram (the largest we build on a path of unknown MTU, plus a margin).</summary>
    public const int DatagramRoom = 1500;

    private const int MaxEntries = 128;
    private readonly IUdpSocket _socket;
    private readonly byte[] _buffer;
    private readonly OutgoingDatagram[] _entries = new OutgoingDatagram[MaxEntries];
    private bool _lastStandalone;
    private int _count;
    private int _used;

    public SendBatch(IUdpSocket socket, int capacity = 256 * 1024)
    {
        _socket = socket;
        _buffer = GC.AllocateUninitializedArray<byte>(capacity, pinned: true);
    }

    /// <summary>True after the socket refused part of a batch (EAGAIN): wait for writability, then <see cref="Flush"/>.</summary>
    public bool IsBlocked { get; private set; }

    /// <summary>Where the next datagram is written (at least <see cref="DatagramRoom"/> bytes after <see cref="EnsureSpace"/>).</summary>
    public Span<byte> Free => _buffer.AsSpan(_used, Math.Min(_buffer.Length - _used, 65527));

    /// <summary>Makes room for one more datagram, flushing if needed; false when the socket is full.</summary>
    public bool EnsureSpace()
    {
        if (_count < MaxEntries && _buffer.Length - _used >= DatagramRoom)
        {
            return true;
        }

        Flush();
        return _count < MaxEntries && _buffer.Length - _used >= DatagramRoom;
    }

    /// <summary>Records the datagram of <paramref name="length"/> bytes just written at <see cref="Free"/>.</summary>
    /// <remarks>
    /// <paramref name="standalone"/>: a path MTU probe (RFC 9000 §14.4) travels alone, never in a GSO batch: the
    /// kernel refuses a whole batch whose segment exceeds the path MTU, which would also turn GSO off.
    /// </remarks>
    public void Commit(IPEndPoint destination, int length, EcnCodepoint ecn = EcnCodepoint.NotEct, bool standalone = false, IPEndPoint? source = null)
    {
        if (_count > 0 && !standalone && !_lastStandalone)
        {
            ref OutgoingDatagram last = ref _entries[_count - 1];
            Transmit t = last.Transmit;
            int segment = t.SegmentSize == 0 ? t.Length : t.SegmentSize;

            // RFC-free rule of UDP_SEGMENT: every segment but the last has the segment size; a shorter one ends the batch.
            bool lastWasFull = t.SegmentSize == 0 || t.Length % t.SegmentSize == 0;
            if (_socket.SupportsGso && lastWasFull && length <= segment && t.Ecn == ecn && ReferenceEquals(t.Destination, destination) && Equals(t.Source, source)
                && t.Length + length <= _socket.MaxGsoBytes && t.DatagramCount < _socket.MaxGsoSegments)
            {
                last = new OutgoingDatagram(t with { Length = t.Length + length, SegmentSize = segment }, last.Offset);
                _used += length;
                return;
            }
        }

        _entries[_count++] = new OutgoingDatagram(new Transmit(destination, length, ecn, Source: source), _used);
        _used += length;
        _lastStandalone = standalone;
    }

    /// <summary>Sends what is batched; keeps what the socket could not take.</summary>
    public void Flush()
    {
        int start = 0;
        while (start < _count)
        {
            UdpSendOutcome outcome = _socket.Send(_buffer, _entries.AsSpan(start, _count - start));
            start += outcome.Sent;
            if (outcome.Status == UdpSendStatus.WouldBlock)
            {
                Compact(start);
                IsBlocked = true;
                return;
            }

            if (outcome.Status == UdpSendStatus.Error)
            {
                start++; // That datagram is lost to the network: recovery resends its data (RFC 9002).
            }
        }

        _count = 0;
        _used = 0;
        _lastStandalone = false;
        IsBlocked = false;
    }

    private void Compact(int first)
    {
        if (first == 0)
        {
            return;
        }

        int offset = _entries[first].Offset;
        _buffer.AsSpan(offset, _used - offset).CopyTo(_buffer);
        for (int i = first; i < _count; i++)
        {
            OutgoingDatagram e = _entries[i];
            _entries[i - first] = new OutgoingDatagram(e.Transmit, e.Offset - offset);
        }

        _count -= first;
        _used -= offset;
    }
}
