using System.Numerics;

namespace SharpQuic.Core.Streams;

/// <summary>
/// The order in which streams with data to send get STREAM frames: RFC 9218 §10 server scheduling,
/// applied by the transport to every stream (requests and raw QUIC streams alike).
/// </summary>
/// <remarks>
/// <para>Eight urgency buckets (RFC 9218 §4.1: 0 is the most urgent). A lower urgency is strict: while a bucket
/// holds a stream that can send, no stream of a higher urgency value is picked. A stream blocked by flow control
/// leaves the scheduler (the manager parks it) and so never holds lower-priority streams back.</para>
/// <para>Within one bucket, non-incremental streams go first, one at a time in ascending stream-ID order
/// (RFC 9218 §10: a non-incremental response is of use only once complete, so serving them one by one gets each
/// to the client soonest); incremental streams then share what is left round robin, one frame per turn (§4.2).
/// RFC 9218 leaves the mix of the two kinds within one urgency to the server: we finish non-incremental streams
/// first because interleaving them with incremental ones would delay the only moment they become useful, while an
/// incremental response is useful piece by piece and loses little by waiting. A client that wants an incremental
/// response ahead of a non-incremental one gives it a lower urgency value.</para>
/// <para>A stream that never had a priority set is urgency 3, incremental (<see cref="StreamRecord"/>): plain
/// round robin among such streams, which keeps raw QUIC users fair.</para>
/// <para>Changing the priority of a queued stream pushes a fresh entry into its new bucket and invalidates the
/// old one by an epoch number (lazy deletion, O(log n)); stale entries are dropped when they reach the head, and
/// when they outnumber the live ones all buckets are compacted (priority changes come from the peer through
/// PRIORITY_UPDATE, so they must not pile up in a bucket that a more urgent one keeps from being visited).
/// Picks are O(1) for incremental streams and O(log n) for non-incremental ones; nothing allocates once the
/// queues have grown.</para>
/// </remarks>
internal sealed class StreamSendScheduler
{
    /// <summary>Urgency levels, RFC 9218 §4.1 (0..7).</summary>
    public const int UrgencyLevels = 8;

    private readonly Queue<Entry>[] _incremental = new Queue<Entry>[UrgencyLevels];
    private readonly PriorityQueue<Entry, ulong>[] _ordered = new PriorityQueue<Entry, ulong>[UrgencyLevels];
    private readonly List<Entry> _scratch = [];
    private uint _nonEmpty;
    private int _count;
    private int _entries;
    private int _headUrgency = -1;
    private bool _headIncremental;

    public StreamSendScheduler()
    {
        for (int i = 0; i < UrgencyLevels; i++)
        {
            _incremental[i] = new Queue<Entry>();
            _ordered[i] = new PriorityQueue<Entry, ulong>();
        }
    }

    /// <summary>Streams queued (each once, whatever its stale entries); released streams count until they reach the head.</summary>
    public int Count => _count;

    /// <summary>Queue slots held, live and stale (bounded by compaction).</summary>
    internal int EntryCount => _entries;

    /// <summary>Queues a stream that may have data to send; nothing when it is already queued.</summary>
    public void Enqueue(StreamRecord record)
    {
        if (record.InSendQueue)
        {
            return;
        }

        // Pushed before it counts as queued, so a compaction inside Push sees no half-queued stream.
        Push(record);
        record.InSendQueue = true;
        _count++;
    }

    /// <summary>
    /// Sets a stream's priority (RFC 9218 §4). A queued stream moves to its new place at once; a stream that is
    /// the current head and stays where it is keeps its turn.
    /// </summary>
    public void SetPriority(StreamRecord record, byte urgency, bool incremental)
    {
        if (urgency >= UrgencyLevels)
        {
            throw new ArgumentOutOfRangeException(nameof(urgency), urgency, "RFC 9218 §4.1: urgency is 0 to 7.");
        }

        if (record.Urgency == urgency && record.Incremental == incremental)
        {
            // No move: repeated calls with the same values must not pile up stale entries.
            return;
        }

        record.Urgency = urgency;
        record.Incremental = incremental;
        if (record.InSendQueue)
        {
            Push(record);
        }
    }

    /// <summary>
    /// The stream whose turn it is; false when none is queued. The stream stays queued until
    /// <see cref="RemoveHead"/> (it has nothing sendable) or <see cref="AfterFrame"/> (it sent a frame).
    /// </summary>
    public bool TryPeek(out StreamRecord record)
    {
        while (_nonEmpty != 0)
        {
            int urgency = BitOperations.TrailingZeroCount(_nonEmpty);
            PriorityQueue<Entry, ulong> ordered = _ordered[urgency];
            while (ordered.TryPeek(out Entry entry, out _))
            {
                if (entry.IsCurrent)
                {
                    _headUrgency = urgency;
                    _headIncremental = false;
                    record = entry.Record;
                    return true;
                }

                ordered.Dequeue();
                _entries--;
            }

            Queue<Entry> incremental = _incremental[urgency];
            while (incremental.TryPeek(out Entry entry))
            {
                if (entry.IsCurrent)
                {
                    _headUrgency = urgency;
                    _headIncremental = true;
                    record = entry.Record;
                    return true;
                }

                incremental.Dequeue();
                _entries--;
            }

            _nonEmpty &= ~(1u << urgency);
        }

        _headUrgency = -1;
        record = null!;
        return false;
    }

    /// <summary>The head from <see cref="TryPeek"/> has nothing it may send now: it leaves the scheduler.</summary>
    public void RemoveHead()
    {
        Entry entry = DequeueHead();
        entry.Record.InSendQueue = false;
        _count--;
        _entries--;
    }

    /// <summary>
    /// The head from <see cref="TryPeek"/> sent a frame and still has data it may send: an incremental stream goes
    /// to the back of its round robin, a non-incremental one keeps its place (it is served until done, §10).
    /// </summary>
    public void AfterFrame()
    {
        if (_headIncremental)
        {
            int urgency = _headUrgency;
            Entry entry = DequeueHead();
            _incremental[urgency].Enqueue(entry);
        }
    }

    private Entry DequeueHead()
    {
        if (_headUrgency < 0)
        {
            throw new InvalidOperationException("No head: call TryPeek first.");
        }

        Entry entry = _headIncremental ? _incremental[_headUrgency].Dequeue() : _ordered[_headUrgency].Dequeue();
        _headUrgency = -1;
        return entry;
    }

    private void Push(StreamRecord record)
    {
        if (_entries > (2 * _count) + 32)
        {
            Compact();
        }

        // A new epoch makes every older entry of this stream stale, wherever it sits.
        record.SendQueueEpoch++;
        var entry = new Entry(record, record.SendQueueEpoch);
        int urgency = record.Urgency;
        if (record.Incremental)
        {
            _incremental[urgency].Enqueue(entry);
        }
        else
        {
            _ordered[urgency].Enqueue(entry, record.Id.Value);
        }

        _nonEmpty |= 1u << urgency;
        _entries++;

        // The peeked head may just have become stale: the caller must peek again before acting on it.
        _headUrgency = -1;
    }

    /// <summary>Drops every stale entry, keeping the order of the live ones; O(n), amortised over the pushes that made them.</summary>
    private void Compact()
    {
        int kept = 0;
        for (int u = 0; u < UrgencyLevels; u++)
        {
            Queue<Entry> incremental = _incremental[u];
            for (int n = incremental.Count; n > 0; n--)
            {
                Entry entry = incremental.Dequeue();
                if (entry.IsCurrent)
                {
                    incremental.Enqueue(entry);
                    kept++;
                }
            }

            PriorityQueue<Entry, ulong> ordered = _ordered[u];
            _scratch.Clear();
            while (ordered.TryDequeue(out Entry entry, out _))
            {
                if (entry.IsCurrent)
                {
                    _scratch.Add(entry);
                }
            }

            foreach (Entry entry in _scratch)
            {
                ordered.Enqueue(entry, entry.Record.Id.Value);
            }

            kept += _scratch.Count;
        }

        _scratch.Clear();
        _entries = kept;
    }

    /// <summary>One queue slot: valid only while the stream is queued and no later push has replaced it.</summary>
    private readonly record struct Entry(StreamRecord Record, uint Epoch)
    {
        public bool IsCurrent => Record.InSendQueue && Record.SendQueueEpoch == Epoch;
    }
}
