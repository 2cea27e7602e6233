using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// Session-level data flow control (draft-ietf-webtrans-http3 §5.4, §5.6.4, §5.6.5), on when both
/// endpoints enabled flow control by SETTINGS (§5.1). The limit counts Stream Body bytes on every
/// stream of the session, in each direction, never the stream headers or the CONNECT stream's capsules.
/// <para>
/// Sending: each write takes credit from the peer's WT_MAX_DATA before the bytes reach the QUIC stream,
/// so what we count is exactly what the peer counts, even for streams we reset (their final size is
/// what was written). At the limit we send WT_DATA_BLOCKED once and wait for the next WT_MAX_DATA.
/// </para>
/// <para>
/// Receiving: the peer's bytes count as consumed when the application reads them, or, for a stream
/// the peer reset, up to the stream's final size (§5.4: the final size settles the credit a reset
/// stream used). As consumption passes half the window we grant another window with WT_MAX_DATA, so a
/// reading application never waits a round trip for credit (§5.6).
/// </para>
/// </summary>
public sealed partial class WebTransportSession
{
    // §5.6.2: stream counts above 2^60 cannot be honoured (no stream ID could carry them).
    private const ulong MaxStreamCount = 1UL << 60;

    // Receive side: the limit we advertised and the peer's bytes consumed so far.
    private long _dataWindow;
    private long _localMaxData;
    private long _dataConsumed;
    private long _dataSlack;

    // Send side: the peer's limit, what we took of it, and the limit we last reported WT_DATA_BLOCKED at.
    private long _peerMaxData = long.MaxValue;
    private long _dataSent;
    private long _blockedReportedAt = -1;
    private TaskCompletionSource? _dataWaiter;

    // The grants last written on the CONNECT stream, in capsule order: [0] streams bidi, [1] streams uni, [2] data.
    private readonly long[] _grantSent = new long[3];

    /// <summary>Whether session flow control is on: both endpoints enabled it by SETTINGS (§5.1).</summary>
    public bool IsFlowControlled => _flowControl;

    /// <summary>Stream Body bytes we may still send on this session before the peer grants more (§5.6.4); <see cref="long.MaxValue"/> without flow control.</summary>
    public long AvailableSendCredit
    {
        get
        {
            lock (_streamLock)
            {
                return _flowControl ? _peerMaxData - _dataSent : long.MaxValue;
            }
        }
    }

    private void InitDataFlowControl(WebTransportManager manager, Http3Settings? peer)
    {
        _dataWindow = manager.Limits.SessionDataWindow;
        _localMaxData = _dataWindow;
        _grantSent[2] = _dataWindow;
        if (_flowControl && peer is not null)
        {
            _peerMaxData = (long)Math.Min(peer.WebTransportInitialMaxData, (ulong)long.MaxValue);
        }
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> bytes of the peer's session credit, waiting while there is
    /// none; returns how many may be written now (at least 1).
    /// </summary>
    /// <remarks>The wait ends with <see cref="WebTransportException"/> when <paramref name="writesClosed"/> completes: a
    /// stream reset meanwhile (the peer's STOP_SENDING) must not keep waiting for credit it can no longer use.</remarks>
    internal ValueTask<int> AcquireSendCreditAsync(int wanted, Task writesClosed, CancellationToken cancellationToken)
    {
        if (!_flowControl)
        {
            return ValueTask.FromResult(wanted);
        }

        return TryTakeSendCredit(wanted, out int granted) ? ValueTask.FromResult(granted) : WaitForSendCreditAsync(wanted, writesClosed, cancellationToken);
    }

    private async ValueTask<int> WaitForSendCreditAsync(int wanted, Task writesClosed, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            long blockedAt = -1;
            lock (_streamLock)
            {
                if (IsClosed)
                {
                    throw SessionGone();
                }

                long available = _peerMaxData - _dataSent;
                if (available > 0)
                {
                    int granted = (int)Math.Min(wanted, available);
                    _dataSent += granted;
                    return granted;
                }

                if (_blockedReportedAt != _peerMaxData)
                {
                    blockedAt = _blockedReportedAt = _peerMaxData;
                }

                _dataWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _dataWaiter.Task;
            }

            if (blockedAt >= 0)
            {
                // §5.6.5: SHOULD say we are blocked, once per limit; it only informs the peer.
                _ = SendVarIntCapsuleAsync(CapsuleType.WebTransportDataBlocked, (ulong)blockedAt);
            }

            if (await Task.WhenAny(wait, writesClosed).WaitAsync(cancellationToken).ConfigureAwait(false) == writesClosed)
            {
                throw new WebTransportException("The stream's write side closed while it waited for session credit.");
            }
        }
    }

    private bool TryTakeSendCredit(int wanted, out int granted)
    {
        lock (_streamLock)
        {
            long available = _peerMaxData - _dataSent;
            if (available <= 0 || IsClosed)
            {
                granted = 0;
                return false;
            }

            granted = (int)Math.Min(wanted, available);
            _dataSent += granted;
            return true;
        }
    }

    /// <summary>Credit a stream took but never used: its reset fixed a smaller final size (§5.4).</summary>
    internal void ReturnSendCredit(long bytes)
    {
        TaskCompletionSource? waiter;
        lock (_streamLock)
        {
            _dataSent = Math.Max(0, _dataSent - bytes);
            waiter = _dataWaiter;
            _dataWaiter = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>The peer's WT_MAX_DATA (§5.6.4); false when it broke the rules and the session was aborted.</summary>
    private bool OnMaxData(ulong value)
    {
        TaskCompletionSource? waiter = null;
        bool increased = true;
        lock (_streamLock)
        {
            if (!_flowControl)
            {
                // §5.1: without flow control the capsules are ignored (they may have crossed our SETTINGS).
                return true;
            }

            if (value > (ulong)_peerMaxData)
            {
                _peerMaxData = (long)Math.Min(value, (ulong)long.MaxValue);
                waiter = _dataWaiter;
                _dataWaiter = null;
            }
            else
            {
                increased = false;
            }
        }

        if (!increased)
        {
            // §5.6.4: a WT_MAX_DATA that does not increase the limit is WT_FLOW_CONTROL_ERROR.
            AbortSession(Http3ErrorCode.WebTransportFlowControlError, "The peer's WT_MAX_DATA did not increase the limit.");
            return false;
        }

        waiter?.TrySetResult();
        return true;
    }

    /// <summary>
    /// The peer's Stream Body bytes on one of our streams are consumed up to a further <paramref name="bytes"/>:
    /// checks the limit (§5.4: beyond it is WT_FLOW_CONTROL_ERROR) and grants more credit. <paramref name="slack"/> is
    /// how much the count may exceed the truth (a final size minus a header length assumed minimally encoded).
    /// </summary>
    internal void OnDataConsumed(long bytes, int slack = 0)
    {
        if (!_flowControl || bytes <= 0)
        {
            return;
        }

        bool violated;
        bool grant = false;
        lock (_streamLock)
        {
            _dataConsumed += bytes;
            _dataSlack += slack;
            violated = _dataConsumed - _dataSlack > _localMaxData;
            if (!violated && _localMaxData - _dataConsumed < _dataWindow / 2)
            {
                _localMaxData = _dataConsumed + _dataWindow;
                grant = true;
            }
        }

        if (violated)
        {
            // §5.4, §5.6.4: Stream Body data beyond the limit closes the session with WT_FLOW_CONTROL_ERROR.
            AbortSession(Http3ErrorCode.WebTransportFlowControlError, "The peer sent more data than the session allows.");
        }
        else if (grant)
        {
            _ = SendGrantAsync(2);
        }
    }

    private void FailDataWaiters()
    {
        TaskCompletionSource? waiter;
        lock (_streamLock)
        {
            waiter = _dataWaiter;
            _dataWaiter = null;
        }

        waiter?.TrySetResult(); // the waiter loops and sees the session closed
    }

    /// <summary>
    /// Writes the newest grant of one kind (WT_MAX_STREAMS bidi/uni, WT_MAX_DATA) unless a larger or equal
    /// one already went out. The value is read under the CONNECT stream's write lock, so grants reach the
    /// peer in increasing order however many callers race (§5.6.2, §5.6.4: a non-increasing one is an error).
    /// </summary>
    private async Task SendGrantAsync(int kind)
    {
        try
        {
            await _connectWrite.WaitAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            long value;
            lock (_streamLock)
            {
                value = kind == 2 ? _localMaxData : _localMax[kind];
                if (value <= _grantSent[kind] || IsClosed)
                {
                    return;
                }

                _grantSent[kind] = value;
            }

            CapsuleType type = kind switch
            {
                0 => CapsuleType.WebTransportMaxStreamsBidi,
                1 => CapsuleType.WebTransportMaxStreamsUni,
                _ => CapsuleType.WebTransportMaxData,
            };
            byte[] capsule = new byte[24];
            CapsuleWriter.TryWriteVarIntCapsule(capsule, type, (ulong)value, out int written);
            await _connect.WriteDataAsync(capsule.AsMemory(0, written), endStream: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http3Exception or QuicException or InvalidOperationException or ObjectDisposedException)
        {
            // The session is ending: nothing more to grant.
        }
        finally
        {
            _connectWrite.Release();
        }
    }

    private async Task SendVarIntCapsuleAsync(CapsuleType type, ulong value)
    {
        byte[] capsule = new byte[24];
        CapsuleWriter.TryWriteVarIntCapsule(capsule, type, value, out int written);
        try
        {
            await WriteCapsuleAsync(capsule.AsMemory(0, written)).ConfigureAwait(false);
        }
        catch (WebTransportException)
        {
            // The session is ending.
        }
    }
}
