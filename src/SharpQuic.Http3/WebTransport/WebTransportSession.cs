using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SharpQuic.Core.Wire;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// One WebTransport session over HTTP/3 (draft-ietf-webtrans-http3): the extended CONNECT stream
/// that established it (its ID is the session ID, §2), the streams and datagrams that name it,
/// and its close (§6). Server sessions come from
/// <see cref="Http3RouteTable.MapWebTransport(string, WebTransportSessionHandler)"/>; client
/// sessions from <see cref="ConnectAsync"/> or <see cref="WebTransportClientConnection.OpenSessionAsync"/>.
/// </summary>
public sealed partial class WebTransportSession : IAsyncDisposable
{
    private const int CapsuleReadBufferSize = 4096;

    private readonly WebTransportManager _manager;
    private readonly Http3RequestStream _connect;
    private readonly SemaphoreSlim _connectWrite = new(1, 1); // capsules from several callers share the CONNECT stream
    private readonly Channel<WebTransportStream> _incoming;
    private readonly Channel<Datagram> _datagrams;
    private readonly TaskCompletionSource<WebTransportCloseInfo> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private readonly int _quarterIdLength;
    private readonly ulong _quarterId;
    private int _state; // 0 open, 1 ended
    private long _datagramsDropped;

    internal WebTransportSession(WebTransportManager manager, Http3RequestStream connect, Http3Request? request)
    {
        _manager = manager;
        _connect = connect;
        Request = request;
        SessionId = connect.StreamId;
        _quarterId = (ulong)SessionId / 4;
        _quarterIdLength = VarInt.EncodedLength(_quarterId);
        _incoming = Channel.CreateUnbounded<WebTransportStream>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        _datagrams = Channel.CreateBounded<Datagram>(
            new BoundedChannelOptions(manager.Limits.DatagramQueueLength) { FullMode = BoundedChannelFullMode.DropOldest },
            OnDatagramDropped);
        InitFlowControl(manager);
    }

    /// <summary>The session ID: the ID of the CONNECT stream (draft-ietf-webtrans-http3 §2).</summary>
    public long SessionId { get; }

    /// <summary>On the server, the CONNECT request (path, headers such as origin, route values); null on the client.</summary>
    public Http3Request? Request { get; }

    /// <summary>Completes once the session has ended, with the peer's or our code and reason.</summary>
    public Task<WebTransportCloseInfo> Closed => _closed.Task;

    /// <summary>Cancelled when the session ends.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Which draft the peer's SETTINGS show.</summary>
    public WebTransportVariant PeerVariant => _manager.PeerVariant;

    /// <summary>
    /// The largest payload <see cref="SendDatagramAsync"/> accepts now: what fits in one QUIC
    /// DATAGRAM frame less the Quarter Stream ID (RFC 9297 §2.1); 0 when the peer takes no datagrams.
    /// </summary>
    public int MaxDatagramSize =>
        _manager.PeerSupportsDatagrams ? Math.Max(0, _manager.Connection.Quic.MaxDatagramSize - _quarterIdLength) : 0;

    /// <summary>Received datagrams this session dropped because the application did not read them in time.</summary>
    public long DatagramsDropped => Interlocked.Read(ref _datagramsDropped);

    /// <summary>Whether the session has ended.</summary>
    public bool IsClosed => Volatile.Read(ref _state) != 0;

    /// <summary>The connection a client session owns (and closes with it); null when shared or on the server.</summary>
    internal WebTransportClientConnection? Owner { get; set; }

    internal Http3RequestStream ConnectStream => _connect;

    /// <summary>Connects to <paramref name="uri"/> on a new HTTP/3 connection and opens one session; closing the session closes the connection.</summary>
    /// <exception cref="WebTransportException">The server does not offer WebTransport or refused the session.</exception>
    public static async Task<WebTransportSession> ConnectAsync(Uri uri, WebTransportClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        WebTransportClientConnection connection = await WebTransportClientConnection.ConnectAsync(uri, options, cancellationToken).ConfigureAwait(false);
        try
        {
            WebTransportSession session = await connection.OpenSessionAsync(uri.PathAndQuery, cancellationToken).ConfigureAwait(false);
            session.Owner = connection;
            if (session.IsClosed)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            return session;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Sends one datagram (RFC 9297 §2.1 over a QUIC DATAGRAM frame, RFC 9221): unreliable, never retransmitted.
    /// </summary>
    /// <exception cref="ArgumentException">The payload is longer than <see cref="MaxDatagramSize"/>.</exception>
    /// <exception cref="WebTransportException">The session is closed or the connection is gone.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendDatagramAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        int max = MaxDatagramSize;
        if (payload.Length > max)
        {
            throw new ArgumentException($"The datagram ({payload.Length} bytes) is larger than the session's maximum of {max}.", nameof(payload));
        }

        int length = _quarterIdLength + payload.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            VarInt.WriteWithLength(buffer, _quarterId, _quarterIdLength);
            payload.Span.CopyTo(buffer.AsSpan(_quarterIdLength));
            await _manager.Connection.Quic.SendDatagramAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw new WebTransportException("The datagram could not be sent: " + ex.Message, ex.ApplicationErrorCode, innerException: ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Waits for the next datagram of this session and copies it into <paramref name="buffer"/>; returns its
    /// length. A buffer too small for the next datagram fails with <see cref="ArgumentException"/> and leaves it queued.
    /// </summary>
    /// <exception cref="WebTransportException">The session ended (WT_SESSION_GONE).</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReceiveDatagramAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ChannelReader<Datagram> reader = _datagrams.Reader;
        while (true)
        {
            if (reader.TryPeek(out Datagram next))
            {
                if (next.Length > buffer.Length)
                {
                    throw new ArgumentException($"The next datagram has {next.Length} bytes; the buffer holds {buffer.Length}.", nameof(buffer));
                }

                if (reader.TryRead(out Datagram d))
                {
                    d.Buffer.AsSpan(0, d.Length).CopyTo(buffer.Span);
                    ArrayPool<byte>.Shared.Return(d.Buffer);
                    return d.Length;
                }

                continue;
            }

            if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw SessionGone();
            }
        }
    }

    /// <summary>Waits for the next stream the peer opens in this session, bidirectional or unidirectional.</summary>
    /// <exception cref="WebTransportException">The session ended.</exception>
    public async ValueTask<WebTransportStream> AcceptStreamAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _incoming.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw SessionGone();
        }
    }

    /// <summary>
    /// Closes the session (draft-ietf-webtrans-http3 §6): WT_CLOSE_SESSION with <paramref name="errorCode"/> and
    /// <paramref name="reason"/> (cut to 1024 UTF-8 bytes), FIN on the CONNECT stream, and every stream of the
    /// session reset with WT_SESSION_GONE. Does nothing once the session has ended.
    /// </summary>
    public async Task CloseAsync(uint errorCode = 0, string reason = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Interlocked.Exchange(ref _state, 1) != 0)
        {
            return;
        }

        byte[] capsule = ArrayPool<byte>.Shared.Rent(CapsuleReader.MaxCloseMessageLength + 32);
        try
        {
            int messageLength = CapsuleWriter.EncodeCloseMessage(reason, capsule.AsSpan(32));
            CapsuleWriter.TryWriteCloseSession(capsule, errorCode, capsule.AsSpan(32, messageLength), out int written);
            await WriteConnectAsync(capsule.AsMemory(0, written), endStream: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(capsule);
        }

        // §6: we will read nothing more from the CONNECT stream.
        Http3Connection.TryAbort(_connect.QuicStream, QuicAbortDirection.Read, Http3ErrorCode.WebTransportSessionGone);
        Terminate(new WebTransportCloseInfo(errorCode, reason));
    }

    /// <summary>Closes the session cleanly (code 0) if it is still open.</summary>
    public async ValueTask DisposeAsync()
    {
        // The write lock is not disposed: a late WT_MAX_STREAMS grant may still race for it, and a
        // SemaphoreSlim whose wait handle was never asked for holds nothing that needs releasing.
        await CloseAsync().ConfigureAwait(false);
    }

    /// <summary>Reads the CONNECT stream's capsules (RFC 9297 §3) until the session ends.</summary>
    internal async Task RunAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CapsuleReadBufferSize);
        var capsules = new CapsuleReader(Math.Max(_manager.Limits.MaxDatagramReceiveSize, 1));
        try
        {
            while (!IsClosed)
            {
                int read = await _connect.ReadDataAsync(buffer, CancellationToken.None).ConfigureAwait(false);
                if (read == 0)
                {
                    // §6: a clean end without WT_CLOSE_SESSION is a close with code 0 and no message.
                    if (!capsules.TryComplete(out Http3ErrorCode error))
                    {
                        AbortSession(error, "The CONNECT stream ended inside a capsule.");
                        return;
                    }

                    await OnRemoteCloseAsync(new WebTransportCloseInfo(0, string.Empty)).ConfigureAwait(false);
                    return;
                }

                if (!await OnCapsuleBytesAsync(capsules, buffer, read).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Http3Exception ex)
        {
            // Reset by the peer, or the connection closed.
            Terminate(new WebTransportCloseInfo(0, $"The CONNECT stream was reset or the connection closed ({ex.ErrorCode}).", Abrupt: true));
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            Terminate(new WebTransportCloseInfo(0, "The CONNECT stream failed: " + ex.Message, Abrupt: true));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A datagram routed to this session by its Quarter Stream ID (or carried in a DATAGRAM capsule).</summary>
    internal void DeliverDatagram(ReadOnlySpan<byte> payload)
    {
        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(copy);
        if (!_datagrams.Writer.TryWrite(new Datagram(copy, payload.Length)))
        {
            ArrayPool<byte>.Shared.Return(copy);
            _manager.CountDroppedDatagram();
        }
    }

    /// <summary>The session failed: the CONNECT stream is reset with <paramref name="code"/> both ways.</summary>
    internal void AbortSession(Http3ErrorCode code, string reason)
    {
        if (Interlocked.Exchange(ref _state, 1) != 0)
        {
            return;
        }

        Http3Connection.TryAbort(_connect.QuicStream, QuicAbortDirection.Both, code);
        Terminate(new WebTransportCloseInfo(0, reason, Abrupt: true));
    }

    /// <summary>The connection is gone: the session ends abruptly.</summary>
    internal void OnConnectionClosed()
    {
        if (Interlocked.Exchange(ref _state, 1) == 0)
        {
            Terminate(new WebTransportCloseInfo(0, "The HTTP/3 connection closed.", Abrupt: true));
        }
    }

    internal ValueTask WriteCapsuleAsync(ReadOnlyMemory<byte> capsule) => WriteConnectAsync(capsule, endStream: false, CancellationToken.None);

    private async ValueTask<bool> OnCapsuleBytesAsync(CapsuleReader capsules, byte[] buffer, int length)
    {
        int offset = 0;
        while (offset < length)
        {
            WebTransportCloseInfo? close = null;
            if (!ReadCapsule(capsules, buffer.AsSpan(offset, length - offset), out int consumed, ref close))
            {
                return false;
            }

            offset += consumed;
            if (close is WebTransportCloseInfo info)
            {
                // §6: after WT_CLOSE_SESSION nothing more may come: bytes behind it reset the CONNECT stream with
                // H3_MESSAGE_ERROR; otherwise we stop reading and close our side.
                Http3ErrorCode stop = offset < length ? Http3ErrorCode.MessageError : Http3ErrorCode.WebTransportSessionGone;
                Http3Connection.TryAbort(_connect.QuicStream, offset < length ? QuicAbortDirection.Both : QuicAbortDirection.Read, stop);
                await OnRemoteCloseAsync(info).ConfigureAwait(false);
                return false;
            }
        }

        return true;
    }

    // One capsule (or the rest of the input); false when the session failed.
    private bool ReadCapsule(CapsuleReader capsules, ReadOnlySpan<byte> input, out int consumed, ref WebTransportCloseInfo? close)
    {
        CapsuleReadStatus status = capsules.Read(input, out consumed, out CapsuleEvent capsule);
        switch (status)
        {
            case CapsuleReadStatus.Error:
                // RFC 9297 §3.3: a malformed capsule makes the message malformed (H3_MESSAGE_ERROR).
                AbortSession(capsule.Error, "A malformed capsule arrived on the CONNECT stream.");
                return false;
            case CapsuleReadStatus.Capsule:
                switch (capsule.Type)
                {
                    case (ulong)CapsuleType.WebTransportCloseSession:
                        close = new WebTransportCloseInfo((uint)capsule.Value, System.Text.Encoding.UTF8.GetString(capsule.Payload));
                        break;
                    case (ulong)CapsuleType.Datagram:
                        DeliverDatagram(capsule.Payload);
                        break;
                    case (ulong)CapsuleType.WebTransportMaxStreamsBidi:
                        return OnMaxStreams(bidirectional: true, capsule.Value);
                    case (ulong)CapsuleType.WebTransportMaxStreamsUni:
                        return OnMaxStreams(bidirectional: false, capsule.Value);
                    case (ulong)CapsuleType.WebTransportMaxData:
                        return OnMaxData(capsule.Value);
                    case (ulong)CapsuleType.WebTransportDrainSession:
                        OnDrain();
                        break;
                }

                // The BLOCKED capsules need no action from us (they only inform, §5.6.3, §5.6.5).
                return true;
            default:
                return true;
        }
    }

    private async Task OnRemoteCloseAsync(WebTransportCloseInfo info)
    {
        if (Interlocked.Exchange(ref _state, 1) != 0)
        {
            return;
        }

        Terminate(info);

        // §6: the recipient of a close closes its side of the CONNECT stream too.
        try
        {
            await WriteConnectAsync(ReadOnlyMemory<byte>.Empty, endStream: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (WebTransportException)
        {
        }
    }

    private async ValueTask WriteConnectAsync(ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken)
    {
        await _connectWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Capsules travel in DATA frames (RFC 9297 §3.1).
            await _connect.WriteDataAsync(data, endStream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http3Exception or QuicException or InvalidOperationException or ObjectDisposedException)
        {
            // The stream is already finished or reset: a close has nothing more to say.
            if (!endStream)
            {
                throw new WebTransportException("The session's CONNECT stream is gone: " + ex.Message, innerException: ex);
            }
        }
        finally
        {
            _connectWrite.Release();
        }
    }

    /// <summary>The session ended: every stream of it is reset with WT_SESSION_GONE (§6), queues are closed.</summary>
    private void Terminate(WebTransportCloseInfo info)
    {
        Volatile.Write(ref _state, 1);
        if (!_closed.TrySetResult(info))
        {
            return;
        }

        _manager.RemoveSession(this);
        _closing.Cancel();
        foreach (WebTransportStream stream in TakeStreams())
        {
            stream.AbortRaw(QuicAbortDirection.Both, (long)Http3ErrorCode.WebTransportSessionGone);
        }

        _incoming.Writer.TryComplete();
        while (_incoming.Reader.TryRead(out WebTransportStream? unaccepted))
        {
            unaccepted.AbortRaw(QuicAbortDirection.Both, (long)Http3ErrorCode.WebTransportSessionGone);
        }

        _datagrams.Writer.TryComplete();
        while (_datagrams.Reader.TryRead(out Datagram d))
        {
            ArrayPool<byte>.Shared.Return(d.Buffer);
        }

        FailCreditWaiters();
        if (Owner is WebTransportClientConnection owner)
        {
            _ = owner.CloseAfterAsync(_connect.QuicStream.WritesClosed);
        }
    }

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw SessionGone();
        }
    }

    private static WebTransportException SessionGone() =>
        new("The WebTransport session has ended.", (long)Http3ErrorCode.WebTransportSessionGone);

    private void OnDatagramDropped(Datagram d)
    {
        ArrayPool<byte>.Shared.Return(d.Buffer);
        Interlocked.Increment(ref _datagramsDropped);
    }

    private readonly record struct Datagram(byte[] Buffer, int Length);
}
