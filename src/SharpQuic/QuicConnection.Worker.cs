using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Core;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Runtime;
using CoreConnection = SharpQuic.Core.Connection.QuicConnection;
using CoreConnectionOptions = SharpQuic.Core.Connection.ConnectionOptions;

namespace SharpQuic;

/// <summary>The worker thread's side of a connection: events in, application operations completed. Worker thread only.</summary>
public sealed partial class QuicConnection
{
    private readonly Dictionary<ulong, QuicStream> _streams = [];
    private readonly Queue<PendingOpen> _pendingOpens = new();
    private bool _handshakeCompleted;
    private bool _optionsRequested;
    private bool _closeRequested;

    /// <summary>A server connection the worker's endpoint just accepted.</summary>
    internal QuicConnection(QuicWorker worker, CoreConnection core, QuicListener listener)
    {
        _worker = worker;
        _listener = listener;
        Core = core;
        RemoteEndPoint = core.RemoteAddress;
        LocalEndPoint = listener.LocalEndPoint;
        TargetHostName = string.Empty;
        TransportOptions = listener.TransportOptions;
        Version = core.Version;
        Timer = new TimerEntry<QuicConnection>(this);
    }

    /// <summary>The protocol state; null until a client connection starts, and after it is swept.</summary>
    internal CoreConnection? Core { get; private set; }

    /// <summary>True while the connection is in its worker's list of connections to service.</summary>
    internal bool WorkerDirty { get; set; }

    /// <summary>The connection's deadline in its worker's timer wheel.</summary>
    internal TimerEntry<QuicConnection> Timer { get; }

    internal ClientTlsSettings? ClientTls { get; }

    internal CoreConnectionOptions TransportOptions { get; }

    internal QuicVersion Version { get; }

    internal bool IsServer => _listener is not null;

    internal QuicWorker Worker => _worker;

    internal long DefaultStreamErrorCode => Math.Max(0, _options?.DefaultStreamErrorCode ?? 0);

    internal void Attach(CoreConnection core) => Core = core;

    internal void FailConnect(Exception error) => _connected?.TrySetException(error);

    /// <summary>Drains the connection's events, completing what the application waits for.</summary>
    internal void DrainEvents(Instant now)
    {
        CoreConnection core = Core!;
        while (core.PollEvent(out ConnectionEvent ev))
        {
            switch (ev.Kind)
            {
                case ConnectionEventKind.ClientHelloReceived:
                    RequestServerOptions(core);
                    break;
                case ConnectionEventKind.PeerCertificateReceived:
                    core.ValidatePeerCertificate(now);
                    break;
                case ConnectionEventKind.HandshakeCompleted:
                    OnHandshakeCompleted(core);
                    break;
                case ConnectionEventKind.StreamOpened:
                    OnPeerStream(ev.StreamId);
                    break;
                case ConnectionEventKind.StreamReadable:
                case ConnectionEventKind.StreamReset:
                    if (_streams.TryGetValue(ev.StreamId.Value, out QuicStream? readable))
                    {
                        readable.ServeRead(core, now);
                        ForgetIfDone(readable, core);
                    }

                    break;
                case ConnectionEventKind.StreamWritable:
                    if (_streams.TryGetValue(ev.StreamId.Value, out QuicStream? writable))
                    {
                        writable.ServeWrite(core);
                    }

                    break;
                case ConnectionEventKind.StreamFinished:
                    if (_streams.TryGetValue(ev.StreamId.Value, out QuicStream? finished))
                    {
                        finished.OnWritesFinished();
                        ForgetIfDone(finished, core);
                    }

                    break;
                case ConnectionEventKind.StreamFinalSizeKnown:
                    if (_streams.TryGetValue(ev.StreamId.Value, out QuicStream? sized))
                    {
                        sized.SetReadFinalSize((long)ev.FinalSize);
                        ForgetIfDone(sized, core);
                    }

                    break;
                case ConnectionEventKind.StopSendingReceived:
                    if (_streams.TryGetValue(ev.StreamId.Value, out QuicStream? stopped))
                    {
                        stopped.OnStopSending(core, (long)ev.ErrorCode);
                        ForgetIfDone(stopped, core);
                    }

                    break;
                case ConnectionEventKind.StreamsAvailable:
                    ServePendingOpens(core);
                    break;
                case ConnectionEventKind.ConnectionClosed:
                    OnClosed(ev.Close);
                    break;
                case ConnectionEventKind.PathMigrated or ConnectionEventKind.PathValidationFailed:
                    OnPathEvent(core, ev.Kind, now);
                    break;
                case ConnectionEventKind.DatagramAcked or ConnectionEventKind.DatagramLost:
                    OnDatagramDelivery(ev.DatagramId, ev.Kind == ConnectionEventKind.DatagramAcked);
                    break;
                case ConnectionEventKind.DatagramReceived or ConnectionEventKind.DatagramWritable:
                    ServeDatagrams(core);
                    break;
                case ConnectionEventKind.ResumptionTicketReceived or ConnectionEventKind.EarlyDataRejected:
                    OnResumptionEvent(core, ev.Kind);
                    break;
            }
        }

        PublishDatagramState(core);
        PublishResumptionState(core);

        RemoteEndPoint = core.RemoteAddress;
    }

    internal void RunCommand(in WorkerCommand command, Instant now)
    {
        CoreConnection? core = Core;
        switch (command.Kind)
        {
            case WorkerCommandKind.ServerOptionsChosen:
                if (core is not null)
                {
                    ApplyServerOptions(core, command.Extra, now);
                }

                break;
            case WorkerCommandKind.OpenStream:
                var open = (PendingOpen)command.Extra!;
                if (_closeException is QuicException closed || core is null)
                {
                    open.Completion.TrySetException(Rethrowable(_closeException ?? Aborted()));
                }
                else
                {
                    _pendingOpens.Enqueue(open);
                    ServePendingOpens(core);
                }

                break;
            case WorkerCommandKind.Close:
                if (core is not null && !_closeRequested && core.State == ConnectionState.Open)
                {
                    _closeRequested = true;
                    core.Close((ulong)command.Value, string.Empty, now);

                    // The core announces no event for an application close: pending operations end now, and
                    // CloseAsync returns once this iteration has sent CONNECTION_CLOSE (the closing period of
                    // RFC 9000 §10.2.1 runs on in the worker).
                    OnClosed(core.CloseInfo);
                    _closed.TrySetResult();
                }
                else if (core is null || core.State == ConnectionState.Closed)
                {
                    _closed.TrySetResult();
                }

                if (command.Flags == 1)
                {
                    // Disposed or cancelled: the application no longer waits for anything on this connection.
                    _connected?.TrySetException(new QuicException(QuicError.OperationAborted, null, "The connection was aborted by the application."));
                }

                break;
            case WorkerCommandKind.Migrate:
                RunMigrateCommand(core, command.Extra, now);
                break;
            case WorkerCommandKind.Statistics:
                var completion = (TaskCompletionSource<QuicConnectionStatistics>)command.Extra!;
                if (core is null)
                {
                    completion.TrySetException(Rethrowable(_closeException ?? Aborted()));
                }
                else
                {
                    completion.TrySetResult(QuicConnectionStatistics.From(core));
                }

                break;
            case WorkerCommandKind.SendDatagram or WorkerCommandKind.ReceiveDatagram:
                RunDatagramCommand(core, command);
                break;
        }
    }

    internal void RunStreamCommand(QuicStream stream, in WorkerCommand command, Instant now)
    {
        if (command.Kind == WorkerCommandKind.SetStreamPriority)
        {
            // Only a scheduling hint: on a closed connection it is dropped, never an error for pending operations.
            if (Core is CoreConnection live)
            {
                stream.SetPriorityOnWorker(live, (byte)command.Value, command.Flags != 0);
            }

            return;
        }

        if (command.Kind == WorkerCommandKind.Read)
        {
            stream.BeginRead(command.Buffer);
            if (stream.ServeReadFromTail())
            {
                return;
            }
        }

        if (Core is not CoreConnection core)
        {
            stream.FailPending(Rethrowable(_closeException ?? Aborted()));
            return;
        }

        switch (command.Kind)
        {
            case WorkerCommandKind.Read:
                stream.BeginRead(command.Buffer);
                stream.ServeRead(core, now);
                break;
            case WorkerCommandKind.Write:
                stream.BeginWrite(command.Buffer, command.Flags != 0);
                stream.ServeWrite(core);
                break;
            case WorkerCommandKind.CompleteWrites:
                stream.CompleteWritesOnWorker(core);
                break;
            case WorkerCommandKind.Abort:
                stream.AbortOnWorker(core, (QuicAbortDirection)command.Flags, (ulong)command.Value, now);
                break;
            case WorkerCommandKind.AbortWriteAt:
                stream.AbortWriteAtOnWorker(core, (ulong)command.Value, (ulong)(long)command.Extra!);
                break;
            case WorkerCommandKind.DisposeStream:
                stream.DisposeOnWorker(core, now);
                break;
        }

        ForgetIfDone(stream, core);
    }

    /// <summary>The worker stopped under the connection (process exit, listener torn down).</summary>
    internal void OnWorkerStopped()
    {
        OnClosed(null);
        Core = null;
    }

    /// <summary>The worker dropped the connection after it closed.</summary>
    internal void OnSwept()
    {
        if (_closeException is null)
        {
            OnClosed(Core?.CloseInfo);
        }

        Core = null;
        _closed.TrySetResult();
    }

    internal void FailPending(QuicException error, in WorkerCommand command)
    {
        switch (command.Extra)
        {
            case PendingOpen open:
                open.Completion.TrySetException(error);
                break;
            case TaskCompletionSource<QuicConnectionStatistics> statistics:
                statistics.TrySetException(error);
                break;
            case MigrationRequest migration:
                migration.Completion.TrySetException(error);
                break;
        }

        FailDatagramCommand(error, command);

        if (command.Kind == WorkerCommandKind.Connect)
        {
            _connected?.TrySetException(error);
        }

        _closed.TrySetResult();
    }

    private void RequestServerOptions(CoreConnection core)
    {
        if (_optionsRequested || _listener is null)
        {
            return;
        }

        _optionsRequested = true;
        TargetHostName = core.RequestedServerName ?? string.Empty;
        var hello = new SslClientHelloInfo(TargetHostName, SslProtocols.Tls13);
        _ = ChooseServerOptionsAsync(hello);
    }

    /// <summary>Runs the application's ConnectionOptionsCallback off the worker, then hands its answer back.</summary>
    private async Task ChooseServerOptionsAsync(SslClientHelloInfo hello)
    {
        object result;
        try
        {
            using var timeout = new CancellationTokenSource(TransportOptions.HandshakeTimeout);
            await Task.Yield();
            result = await _listener!.Options.ConnectionOptionsCallback(this, hello, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            result = e;
        }

        if (!Post(new WorkerCommand(WorkerCommandKind.ServerOptionsChosen, this, Extra: result)) && result is Exception)
        {
            _listener!.OnHandshakeFailed(new QuicException(QuicError.CallbackError, null, null, "The connection options callback failed.", result as Exception));
        }
    }

    private void ApplyServerOptions(CoreConnection core, object? chosen, Instant now)
    {
        if (chosen is QuicServerConnectionOptions options)
        {
            try
            {
                options.Validate(nameof(QuicServerConnectionOptions));
                if (options.ServerAuthenticationOptions is null)
                {
                    throw new ArgumentException("QuicServerConnectionOptions.ServerAuthenticationOptions must be set.");
                }

                _options = options;
                core.ApplyServerTransportOptions(RuntimeOptions.ToTransport(options, _listener!.Options.QlogDirectory, _worker.SupportsEcn, _listener.PreferredAddress), now);
                core.SetServerOptions(RuntimeOptions.ToServerTls(options, _listener!.Options.ApplicationProtocols, _listener.Resumption), now);
                return;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                chosen = e;
            }
        }

        // RFC 9001 §4.8: a handshake the application refused ends with a TLS alert; internal_error (80) is honest here.
        core.CloseWithError(0x100 + 80, 0x06, "connection options callback failed", now);
        _listener?.OnHandshakeFailed(new QuicException(QuicError.CallbackError, null, null, "The connection options callback failed.", chosen as Exception));
    }

    private void OnHandshakeCompleted(CoreConnection core)
    {
        _handshakeCompleted = true;
        PublishDatagramState(core);
        NegotiatedApplicationProtocol = core.NegotiatedApplicationProtocol;
        // A copy: the core's certificate is disposed with the connection's TLS state.
        RemoteCertificate = core.PeerCertificate is { } peer ? X509CertificateLoader.LoadCertificate(peer.RawData) : null;
        NegotiatedCipherSuite = core.NegotiatedCipherSuite is { } suite ? (TlsCipherSuite)(ushort)suite : default;
        NegotiatedKeyExchangeGroup = core.NegotiatedGroup is { } group ? RuntimeOptions.GroupName(group) : null;
        NegotiatedQuicVersion = core.Version == QuicVersion.V2 ? 2 : 1;
        RemoteEndPoint = core.RemoteAddress;
        PeerSupportsResetStreamAt = core.PeerAcceptsResetStreamAt;
        _exporter = core.TakeKeyingMaterialExporter();

        // Everything the application may read once ConnectAsync or AcceptConnectionAsync returns is published first.
        PublishResumptionState(core);
        if (_listener is null)
        {
            _connected!.TrySetResult();
        }
        else if (!_listener.OnHandshakeCompleted(this))
        {
            // The accept queue is full: refuse (CONNECTION_REFUSED, RFC 9000 §20.1) rather than queue without bound.
            core.CloseWithError(0x02, 0, "server busy", _worker.Now);
        }
    }

    private void OnPeerStream(StreamId id)
    {
        var stream = new QuicStream(this, id);
        _streams[id.Value] = stream;
        if (!_inbound.Writer.TryWrite(stream))
        {
            stream.FailPending(Aborted());
        }
    }

    private void ServePendingOpens(CoreConnection core)
    {
        while (_pendingOpens.TryPeek(out PendingOpen? open))
        {
            if (open.Completion.Task.IsCompleted)
            {
                _pendingOpens.Dequeue(); // Cancelled while it waited.
                continue;
            }

            if (!core.TryOpenStream(open.Type == QuicStreamType.Bidirectional, out StreamId id))
            {
                return; // At the peer's limit: a StreamsAvailable event brings us back (RFC 9000 §4.6).
            }

            _pendingOpens.Dequeue();
            var stream = new QuicStream(this, id);
            _streams[id.Value] = stream;
            if (!open.Completion.TrySetResult(stream))
            {
                // Cancelled in the meantime: the stream exists, so end it at once.
                stream.DisposeOnWorker(core, _worker.Now);
                ForgetIfDone(stream, core);
            }
        }
    }

    private void ForgetIfDone(QuicStream stream, CoreConnection core)
    {
        if (!core.Streams.IsOpen(stream.StreamId))
        {
            stream.OnReleased();
            _streams.Remove(stream.StreamId.Value);
        }
    }

    private void OnClosed(ConnectionCloseInfo? info)
    {
        if (_closeException is not null)
        {
            return;
        }

        QuicException error = RuntimeOptions.ToException(info, _handshakeCompleted, _closeRequested);
        _closeException = error;
        if (_connected is not null && !_connected.Task.IsCompleted)
        {
            Exception connectError = RuntimeOptions.IsCertificateFailure(info)
                ? new AuthenticationException("The server's certificate was refused.", error)
                : error;
            _connected.TrySetException(connectError);
        }

        if (_listener is not null && !_handshakeCompleted)
        {
            _listener.OnHandshakeFailed(error);
        }

        _migration?.TrySetException(Rethrowable(error));
        _migration = null;
        while (_pendingOpens.TryDequeue(out PendingOpen? open))
        {
            open.Completion.TrySetException(Rethrowable(error));
        }

        foreach (QuicStream stream in _streams.Values)
        {
            if (Core is CoreConnection core && stream.TryKeepUnreadData(core, _worker.Now))
            {
                stream.ServeReadFromTail();
            }

            stream.FailPending(error);
            stream.OnReleased();
        }

        _streams.Clear();
        FailDatagrams(error);
        _inbound.Writer.TryComplete(error);
        if (info?.Reason is CloseReason.Local)
        {
            // Our CONNECTION_CLOSE is out once the worker flushed this iteration; CloseAsync need not wait for the
            // closing period (RFC 9000 §10.2), the worker keeps answering during it.
            _closed.TrySetResult();
        }
    }

    private static QuicException Aborted() => new(QuicError.OperationAborted, null, "The connection was closed.");

    private static QuicException Rethrowable(QuicException e) => new(e.QuicError, e.ApplicationErrorCode, e.TransportErrorCode, e.Message, e);
}
