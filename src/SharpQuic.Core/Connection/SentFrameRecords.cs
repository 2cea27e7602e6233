using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Connection;

/// <summary>What kind of frame a <see cref="SentFrame"/> remembers.</summary>
internal enum SentFrameKind : byte
{
    /// <summary>An ACK frame: on acknowledgment stop acknowledging at or below <see cref="SentFrame.Value"/> (RFC 9000 §13.2.4).</summary>
    Ack,

    /// <summary>CRYPTO bytes [Offset, Offset + Length) of the packet's space.</summary>
    Crypto,

    /// <summary>A STREAM frame.</summary>
    Stream,

    /// <summary>A stream control frame from the stream manager.</summary>
    StreamControl,

    /// <summary>HANDSHAKE_DONE.</summary>
    HandshakeDone,

    /// <summary>NEW_CONNECTION_ID with sequence number <see cref="SentFrame.Value"/>.</summary>
    NewConnectionId,

    /// <summary>RETIRE_CONNECTION_ID with sequence number <see cref="SentFrame.Value"/>.</summary>
    RetireConnectionId,

    /// <summary>NEW_TOKEN (the token itself stays on the connection until acknowledged).</summary>
    NewToken,

    /// <summary>DATAGRAM with id <see cref="SentFrame.Value"/>: reported on acknowledgment or loss, never sent again (RFC 9221 §5.2).</summary>
    Datagram,

    /// <summary>PING or anything else with nothing to redo.</summary>
    Ping,
}

/// <summary>
/// One frame put in a sent packet and what to do when the packet is acknowledged or lost (the aioquic
/// habit): a small value, stored in pooled arrays, never the frame bytes.
/// </summary>
internal struct SentFrame
{
    // 32 bytes: the fields of the stream and control records share the generic ones, so that a packet's
    // record stays small (per-connection memory, issue 4).
    public SentFrameKind Kind;
    public bool Fin;
    public byte ControlType;
    public int Length;
    public ulong Value;
    public ulong Offset;
    public ulong StreamId;

    public static SentFrame ForStream(in SentStreamFrame f) =>
        new() { Kind = SentFrameKind.Stream, StreamId = f.StreamId.Value, Offset = f.Offset, Length = f.Length, Fin = f.Fin };

    public static SentFrame ForControl(in SentControlFrame f) =>
        new() { Kind = SentFrameKind.StreamControl, ControlType = (byte)f.Type, StreamId = f.StreamId.Value, Value = f.Value };

    public readonly SentStreamFrame Stream => new(new StreamId(StreamId), Offset, Length, Fin);

    public readonly SentControlFrame Control => new((Wire.Frames.FrameType)ControlType, new StreamId(StreamId), Value);
}

/// <summary>
/// The frames of every packet in flight, keyed by the handle <see cref="Recovery.SentPacket.RetransmitHandle"/>
/// carries. Handles and their frame arrays are recycled, so steady-state sending allocates nothing.
/// </summary>
internal sealed class SentFrameRecords
{
    private SentFrame[][] _frames = new SentFrame[16][];
    private int[] _counts = new int[16];
    private int[] _free = new int[16];
    private int _freeCount;
    private int _allocated;

    /// <summary>Handles in use.</summary>
    public int InUse => _allocated - _freeCount;

    /// <summary>Takes an empty record and returns its handle.</summary>
    public int Rent()
    {
        if (_freeCount > 0)
        {
            int h = _free[--_freeCount];
            _counts[h] = 0;
            return h;
        }

        if (_allocated == _frames.Length)
        {
            Array.Resize(ref _frames, _frames.Length * 2);
            Array.Resize(ref _counts, _counts.Length * 2);
            Array.Resize(ref _free, _free.Length * 2);
        }

        int handle = _allocated++;
        _frames[handle] = new SentFrame[4];
        _counts[handle] = 0;
        return handle;
    }

    /// <summary>Adds a frame to the record.</summary>
    public void Add(int handle, in SentFrame frame)
    {
        ref SentFrame[] array = ref _frames[handle];
        int count = _counts[handle];
        if (count == array.Length)
        {
            Array.Resize(ref array, array.Length * 2);
        }

        array[count] = frame;
        _counts[handle] = count + 1;
    }

    /// <summary>The frames of a record.</summary>
    public ReadOnlySpan<SentFrame> Get(int handle) => _frames[handle].AsSpan(0, _counts[handle]);

    /// <summary>Returns a record to the pool.</summary>
    public void Return(int handle)
    {
        _counts[handle] = 0;
        _free[_freeCount++] = handle;
    }
}
