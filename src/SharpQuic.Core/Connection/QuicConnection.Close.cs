using System.Text;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Connection;

/// <summary>Closing: CONNECTION_CLOSE sent and received, closing and draining periods (RFC 9000 §10.2).</summary>
internal sealed partial class QuicConnection
{
    private const int MaxReasonBytes = 256;
    private ulong _closeErrorCode;
    private ulong _closeFrameType;
    private bool _closeIsApplication;
    private byte[] _closeReason = [];
    private bool _closeFramePending;
    private long _closingDatagrams;
    private long _nextCloseReplyAt;

    /// <summary>
    /// Closes with an application error code (RFC 9000 §10.2): CONNECTION_CLOSE is sent, then the closing period
    /// runs for three PTOs.
    /// </summary>
    public void Close(ulong errorCode, string reason, Instant now)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (State != ConnectionState.Open)
        {
            return;
        }

        StartClosing(errorCode, 0, isApplication: true, reason, now);
        CloseInfo = new ConnectionCloseInfo(CloseReason.Local, true, errorCode, reason);
        TraceClosed(now);
    }

    /// <summary>Closes with a transport error (a peer's protocol violation, a failed handshake…).</summary>
    public void CloseWithError(ulong errorCode, ulong frameType, string reason, Instant now)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (State != ConnectionState.Open)
        {
            return;
        }

        StartClosing(errorCode, frameType, isApplication: false, reason, now);
        CloseInfo = new ConnectionCloseInfo(CloseReason.Local, false, errorCode, reason);
        TraceClosed(now);
        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.ConnectionClosed, ErrorCode: errorCode, Close: CloseInfo));
    }

    private void StartClosing(ulong errorCode, ulong frameType, bool isApplication, string reason, Instant now)
    {
        _closeErrorCode = errorCode;
        _closeFrameType = frameType;
        _closeIsApplication = isApplication;
        byte[] bytes = Encoding.UTF8.GetBytes(reason);
        _closeReason = bytes.Length > MaxReasonBytes ? bytes.AsSpan(0, MaxReasonBytes).ToArray() : bytes;
        _closeFramePending = true;
        _closingDatagrams = 0;
        _nextCloseReplyAt = 1;
        State = ConnectionState.Closing;
        SetTimer(TimerKind.Close, now + ThreePto());
        ClearNonCloseTimers();
    }

    /// <summary>
    /// RFC 9000 §10.2.1: a packet arrived in the closing period. CONNECTION_CLOSE is sent again only for the 1st, 2nd,
    /// 4th, 8th… datagram (a progressively increasing number), so a flood, or a peer that keeps sending, gets a
    /// logarithmic number of replies.
    /// </summary>
    private void OnDatagramWhileClosing()
    {
        _closingDatagrams++;
        if (_closingDatagrams >= _nextCloseReplyAt)
        {
            _closeFramePending = true;
            _nextCloseReplyAt = _closingDatagrams * 2;
        }
    }

    /// <summary>The peer's CONNECTION_CLOSE: enter the draining period (RFC 9000 §10.2.2).</summary>
    private void HandleConnectionClose(in ConnectionCloseFrame frame, Instant now)
    {
        string reason = Encoding.UTF8.GetString(frame.ReasonPhrase.Length > MaxReasonBytes ? frame.ReasonPhrase[..MaxReasonBytes] : frame.ReasonPhrase);
        CloseInfo = new ConnectionCloseInfo(CloseReason.Remote, frame.IsApplicationClose, frame.ErrorCode, reason);
        TraceClosed(now);
        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.ConnectionClosed, ErrorCode: frame.ErrorCode, Close: CloseInfo));
        State = ConnectionState.Draining;
        SetTimer(TimerKind.Close, now + ThreePto());
        ClearNonCloseTimers();
    }

    /// <summary>A stateless reset ends the connection at once (RFC 9000 §10.3.1).</summary>
    public void OnStatelessReset()
    {
        if (State is ConnectionState.Closed or ConnectionState.Draining)
        {
            return;
        }

        CloseInfo = new ConnectionCloseInfo(CloseReason.StatelessReset, false, 0, "stateless reset");
        TraceClosed(_lastActivity);
        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.ConnectionClosed, Close: CloseInfo));
        SetClosedSilently();
    }

    /// <summary>Writes CONNECTION_CLOSE for a packet of <paramref name="space"/>.</summary>
    private bool TryWriteClose(ref QuicWriter writer, Recovery.PacketNumberSpace space)
    {
        ConnectionCloseFrame frame;
        if (_closeIsApplication && space != Recovery.PacketNumberSpace.ApplicationData)
        {
            // §10.2.3: an application close in Initial or Handshake becomes APPLICATION_ERROR without a reason.
            frame = ConnectionCloseFrame.Transport(TransportErrorCode.ApplicationError, 0, default);
        }
        else if (_closeIsApplication)
        {
            frame = ConnectionCloseFrame.Application(_closeErrorCode, _closeReason);
        }
        else
        {
            frame = ConnectionCloseFrame.Transport((TransportErrorCode)_closeErrorCode, _closeFrameType, _closeReason);
        }

        return frame.TryWrite(ref writer);
    }

    private void SetClosed()
    {
        if (State == ConnectionState.Closed)
        {
            return;
        }

        bool announce = CloseInfo is null || CloseInfo.Reason is CloseReason.IdleTimeout or CloseReason.HandshakeTimeout;
        CloseInfo ??= new ConnectionCloseInfo(CloseReason.Local, false, 0, string.Empty);
        if (announce)
        {
            _events.Enqueue(new ConnectionEvent(ConnectionEventKind.ConnectionClosed, ErrorCode: CloseInfo.ErrorCode, Close: CloseInfo));
        }

        SetClosedSilently();
    }

    private void SetClosedSilently()
    {
        State = ConnectionState.Closed;
        Array.Clear(_timers);
    }

    private void ClearNonCloseTimers()
    {
        for (int i = 0; i < TimerCount; i++)
        {
            if (i != (int)TimerKind.Close)
            {
                _timers[i] = null;
            }
        }
    }
}
