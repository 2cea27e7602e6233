using System.Buffers;
using SharpQuic.Http3.Wire;
using SharpQuic.QPack;

namespace SharpQuic.Http3;

/// <summary>
/// The HTTP/3 connection over one QUIC connection (RFC 9114 §3, §6): our control stream with
/// SETTINGS, the peer's control stream, the QPACK encoder and decoder streams with their shared
/// tables (RFC 9204 §4.2), GOAWAY, and connection errors. Request streams
/// (<see cref="Http3RequestStream"/>) call in to encode and decode header sections. The client
/// and server roles add how request streams are opened or accepted.
/// </summary>
internal abstract partial class Http3Connection : IAsyncDisposable
{
    private readonly Lock _qpackLock = new();
    private readonly QPackDecoder _decoder;
    private readonly QPackFieldList _decodeLines = new();
    private readonly QPackFieldList _encodeLines = new();
    private readonly ArrayBufferWriter<byte> _encodeInstructions = new(64);
    private readonly Dictionary<long, BlockedSection> _blocked = [];
    private readonly TaskCompletionSource<Http3Settings> _peerSettings = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private QPackEncoder _encoder = new(0, 0, 0);
    private StreamPump? _encoderPump;
    private StreamPump? _decoderPump;
    private QuicStream? _control;
    private int _peerUniStreamsSeen; // bit flags: control, encoder, decoder
    private int _closed;

    protected Http3Connection(QuicConnection quic, bool isClient, Http3ConnectionSettings settings)
    {
        Quic = quic;
        IsClient = isClient;
        Settings = settings;
        _decoder = new QPackDecoder(new QPackDecoderOptions
        {
            MaxTableCapacity = settings.QPackMaxTableCapacity,
            MaxBlockedStreams = settings.QPackBlockedStreams,
            MaxFieldSectionSize = settings.MaxFieldSectionSize,
        });
        FrameReaderOptions = new Http3FrameReaderOptions
        {
            MaxHeadersFrameSize = settings.MaxFieldSectionSize,
            WebTransportEnabled = settings.WebTransport is not null,
        };
        WebTransport = settings.WebTransport is WebTransportLimits limits ? new WebTransportManager(this, limits) : null;
    }

    /// <summary>The QUIC connection.</summary>
    public QuicConnection Quic { get; }

    /// <summary>Whether we are the client.</summary>
    public bool IsClient { get; }

    /// <summary>What we advertised.</summary>
    public Http3ConnectionSettings Settings { get; }

    /// <summary>The peer's SETTINGS, once its control stream delivered them.</summary>
    public Task<Http3Settings> PeerSettings => _peerSettings.Task;

    /// <summary>Cancelled when the connection closes, for any reason.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>The error code that closed the connection, once closed by us or the peer.</summary>
    public Http3ErrorCode? CloseError { get; private set; }

    internal Http3FrameReaderOptions FrameReaderOptions { get; }

    /// <summary>The WebTransport sessions, streams and datagrams of this connection; null when not offered.</summary>
    internal WebTransportManager? WebTransport { get; }

    /// <summary>Opens our control stream (SETTINGS first, RFC 9114 §6.2.1) and the QPACK encoder
    /// and decoder streams (RFC 9204 §4.2), then starts accepting the peer's streams.</summary>
    protected async Task StartAsync(CancellationToken cancellationToken)
    {
        // The three streams are opened and written at once, not one after another: each open and
        // write is a trip to the connection's worker, and a resuming client wants all of this (and
        // its first request) in 0-RTT, before the server's handshake reply makes 1-RTT available.
        ValueTask<QuicStream> openControl = Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional, cancellationToken);
        ValueTask<QuicStream> openEncoder = Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional, cancellationToken);
        ValueTask<QuicStream> openDecoder = Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional, cancellationToken);
        _control = await openControl.ConfigureAwait(false);
        QuicStream encoder = await openEncoder.ConfigureAwait(false);
        QuicStream decoder = await openDecoder.ConfigureAwait(false);

        // The control and QPACK streams are small and gate everything else: they go before any response data.
        _control.SetPriority(0, incremental: true);
        encoder.SetPriority(0, incremental: true);
        decoder.SetPriority(0, incremental: true);

        var control = new ArrayBufferWriter<byte>(128);
        WritePreamble(control, Http3StreamType.Control);
        BuildLocalSettings().WriteFrame(control);
        if (Settings.Grease)
        {
            // RFC 9114 §7.2.8: a reserved frame type exercises the peer's "ignore unknown frames" rule.
            Span<byte> grease = stackalloc byte[16];
            if (Http3FrameWriter.TryWriteGrease(grease, Http3Grease.Value((ulong)Random.Shared.Next(0, 1 << 16)), [], out int n))
            {
                control.Write(grease[..n]);
            }
        }

        byte[] encoderPreamble = [(byte)Http3StreamType.QPackEncoder];
        byte[] decoderPreamble = [(byte)Http3StreamType.QPackDecoder];
        ValueTask writeControl = _control.WriteAsync(control.WrittenMemory, cancellationToken);
        ValueTask writeEncoder = encoder.WriteAsync(encoderPreamble, cancellationToken);
        ValueTask writeDecoder = decoder.WriteAsync(decoderPreamble, cancellationToken);
        await writeControl.ConfigureAwait(false);
        await writeEncoder.ConfigureAwait(false);
        await writeDecoder.ConfigureAwait(false);
        _encoderPump = new StreamPump(encoder, OnCriticalStreamFailed);
        _decoderPump = new StreamPump(decoder, OnCriticalStreamFailed);

        _ = AcceptStreamsAsync();
        WebTransport?.Start();
    }

    /// <summary>Closes the connection with an HTTP/3 error (RFC 9114 §8): a connection error when
    /// the code says so, H3_NO_ERROR for a clean close.</summary>
    public void Abort(Http3ErrorCode code)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        CloseError = code;
        FailBlockedSections(code);
        _ = CloseQuicAsync(code);
        _closing.Cancel();
        WebTransport?.OnConnectionClosed();
    }

    /// <summary>Closes gracefully (H3_NO_ERROR) and releases the QUIC connection.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            CloseError = Http3ErrorCode.NoError;
            FailBlockedSections(Http3ErrorCode.NoError);
            try
            {
                await Quic.CloseAsync((long)Http3ErrorCode.NoError).ConfigureAwait(false);
            }
            catch (QuicException)
            {
            }

            _closing.Cancel();
            WebTransport?.OnConnectionClosed();
        }

        // _closing is not disposed: Closing and late Abort calls stay valid after disposal, and a
        // CancellationTokenSource without a timer holds nothing that needs releasing.
        await Quic.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Sends a frame on our control stream (GOAWAY, PRIORITY_UPDATE).</summary>
    internal async ValueTask SendControlFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (_control is null)
        {
            throw new InvalidOperationException("The connection has not started.");
        }

        await _control.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// QPACK-encodes a header section for <paramref name="streamId"/> into <paramref name="section"/>;
    /// table inserts go to the encoder stream. Throws when the section exceeds the peer's
    /// SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2).
    /// </summary>
    internal void EncodeHeaders(long streamId, Http3Headers pseudoHeaders, Http3Headers fields, IBufferWriter<byte> section)
    {
        lock (_qpackLock)
        {
            _encodeLines.Clear();
            Http3FieldSection.AppendLines(_encodeLines, pseudoHeaders);
            Http3FieldSection.AppendLines(_encodeLines, fields);
            if (PeerSettings.IsCompletedSuccessfully && PeerSettings.Result.MaxFieldSectionSize is ulong limit
                && (ulong)_encodeLines.FieldSectionSize > limit)
            {
                throw new Http3Exception(Http3ErrorCode.ExcessiveLoad,
                    $"The header section ({_encodeLines.FieldSectionSize} bytes) exceeds the peer's limit of {limit}.");
            }

            _encodeInstructions.ResetWrittenCount();
            _encoder.EncodeFieldSection(streamId, _encodeLines, section, _encodeInstructions);

            // Enqueued under the QPACK lock, so encoder-stream instructions keep the order of the inserts.
            _encoderPump?.Enqueue(_encodeInstructions.WrittenSpan);
        }
    }

    /// <summary>
    /// Decodes a header section received on <paramref name="streamId"/> and checks it is well
    /// formed. Completes at once unless the section is blocked on the encoder stream (RFC 9204 §2.1.2).
    /// </summary>
    internal ValueTask<Http3HeaderSection> DecodeHeadersAsync(long streamId, ReadOnlySpan<byte> encoded, Http3FieldSection.Kind kind)
    {
        Http3HeaderSection section;
        string? problem;
        lock (_qpackLock)
        {
            _decodeLines.Clear();
            switch (_decoder.DecodeFieldSection(streamId, encoded, _decodeLines, out QPackError error))
            {
                case FieldSectionStatus.Blocked:
                    var blocked = new BlockedSection(kind);
                    _blocked[streamId] = blocked;
                    return new ValueTask<Http3HeaderSection>(blocked.Completion.Task);
                case FieldSectionStatus.Failed:
                    Abort((Http3ErrorCode)(ulong)error);
                    return ValueTask.FromException<Http3HeaderSection>(
                        new Http3Exception((Http3ErrorCode)(ulong)error, "The QPACK field section could not be decoded."));
            }

            Http3FieldSection.TryBuild(_decodeLines, kind, out section, out problem);
        }

        FlushDecoderStream();
        return problem is null
            ? new ValueTask<Http3HeaderSection>(section)
            : ValueTask.FromException<Http3HeaderSection>(new Http3Exception(Http3ErrorCode.MessageError, "Malformed message: " + problem));
    }

    /// <summary>A request stream was reset or abandoned before its header section was decoded (RFC 9204 §2.2.2.2).</summary>
    internal void CancelStream(long streamId)
    {
        lock (_qpackLock)
        {
            if (_blocked.Remove(streamId, out BlockedSection? blocked))
            {
                blocked.Completion.TrySetException(new Http3Exception(Http3ErrorCode.RequestCancelled, "The stream was cancelled."));
            }

            if (Settings.QPackMaxTableCapacity > 0)
            {
                _decoder.CancelStream(streamId);
            }
        }

        FlushDecoderStream();
    }

    /// <summary>Called with each stream the peer opened; the role decides what to do with bidirectional ones.</summary>
    protected abstract void OnPeerBidirectionalStream(QuicStream stream);

    /// <summary>The peer's GOAWAY (RFC 9114 §5.2).</summary>
    protected abstract void OnGoAway(ulong id);

    /// <summary>The peer's PRIORITY_UPDATE for a request stream (RFC 9218 §7.1); ignored by default.</summary>
    protected virtual void OnPriorityUpdate(ulong streamId, ReadOnlySpan<byte> priorityFieldValue)
    {
    }

    private Http3Settings BuildLocalSettings()
    {
        var settings = new Http3Settings
        {
            QPackMaxTableCapacity = (ulong)Settings.QPackMaxTableCapacity,
            QPackBlockedStreams = (ulong)Settings.QPackBlockedStreams,
            MaxFieldSectionSize = (ulong)Settings.MaxFieldSectionSize,
            EnableConnectProtocol = Settings.EnableConnectProtocol,
            H3Datagram = Settings.H3Datagram,
            Grease = Settings.Grease ? (Http3Grease.Value((ulong)Random.Shared.Next(0, 1 << 16)), 0UL) : null,
        };
        if (Settings.WebTransport is WebTransportLimits limits)
        {
            WebTransportNegotiation.AddLocalSettings(settings, limits, IsClient);
        }

        return settings;
    }

    private static void WritePreamble(ArrayBufferWriter<byte> writer, Http3StreamType type)
    {
        Span<byte> span = writer.GetSpan(8);
        SharpQuic.Core.Wire.VarInt.TryWrite(span, (ulong)type, out int n);
        writer.Advance(n);
    }

    private async Task CloseQuicAsync(Http3ErrorCode code)
    {
        try
        {
            await Quic.CloseAsync((long)code).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or ObjectDisposedException)
        {
        }
    }

    private void OnCriticalStreamFailed(Exception ex)
    {
        if (ex is QuicException { QuicError: not QuicError.StreamAborted } connectionEnded)
        {
            OnConnectionLost(connectionEnded);
        }
        else if (!_closing.IsCancellationRequested)
        {
            Abort(Http3ErrorCode.ClosedCriticalStream);
        }
    }

    private void FailBlockedSections(Http3ErrorCode code)
    {
        BlockedSection[] pending;
        lock (_qpackLock)
        {
            pending = [.. _blocked.Values];
            _blocked.Clear();
        }

        foreach (BlockedSection b in pending)
        {
            b.Completion.TrySetException(new Http3Exception(code, "The connection closed."));
        }
    }

    private void FlushDecoderStream()
    {
        Span<byte> buffer = stackalloc byte[256];
        while (true)
        {
            int n;
            lock (_qpackLock)
            {
                n = _decoder.DrainDecoderStream(buffer);
            }

            if (n == 0)
            {
                return;
            }

            _decoderPump?.Enqueue(buffer[..n]);
        }
    }

    private void OnPeerSettings(Http3Settings settings)
    {
        lock (_qpackLock)
        {
            // RFC 9204 §3.2.3: our encoder may use the peer's table once it knows its size.
            if (_encoder.InsertCount == 0)
            {
                long peerCapacity = (long)Math.Min(settings.QPackMaxTableCapacity, 1UL << 30);
                int peerBlocked = (int)Math.Min(settings.QPackBlockedStreams, 1000UL);
                _encoder = new QPackEncoder(peerCapacity, peerBlocked, Math.Min(peerCapacity, Settings.EncoderTableCapacity));
            }
        }

        _peerSettings.TrySetResult(settings);
    }

    private sealed class BlockedSection(Http3FieldSection.Kind kind)
    {
        public Http3FieldSection.Kind Kind { get; } = kind;

        public TaskCompletionSource<Http3HeaderSection> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
