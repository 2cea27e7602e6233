using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Connection;
using SharpQuic.Runtime;
using CoreConnection = SharpQuic.Core.Connection.QuicConnection;

namespace SharpQuic;

/// <summary>Client migration (RFC 9000 §9.2), beyond System.Net.Quic.</summary>
public sealed partial class QuicConnection
{
    private TaskCompletionSource? _migration;
    private IPEndPoint? _migratingTo;

    /// <summary>
    /// Beyond System.Net.Quic: moves this client connection to a new local address (port 0 or none: an ephemeral
    /// port on the current address). The connection probes the new path with PATH_CHALLENGE (RFC 9000 §8.2), switches
    /// once the server answers, uses a fresh connection ID there (§9.5) and resets congestion control (§9.4).
    /// Completes when the connection sends from the new address; fails with <see cref="QuicException"/> when the path
    /// could not be validated (the connection then stays where it was) or migration is not possible now (before the
    /// handshake is confirmed, the server disabled it, or it gave us no spare connection ID).
    /// </summary>
    public async ValueTask MigrateAsync(IPEndPoint? localEndPoint = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfClosed();
        if (IsServer)
        {
            throw new InvalidOperationException("Only a client migrates (RFC 9000 §9).");
        }

        var request = new MigrationRequest(localEndPoint, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!Post(new WorkerCommand(WorkerCommandKind.Migrate, this, Extra: request)))
        {
            throw _closeException ?? new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped.");
        }

        await request.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Worker: a probe of <paramref name="local"/> started.</summary>
    internal void OnMigrationStarted(IPEndPoint local, TaskCompletionSource migrated)
    {
        _migration?.TrySetException(new QuicException(QuicError.OperationAborted, null, "A newer migration replaced this one."));
        _migration = migrated;
        _migratingTo = local;
    }

    private void RunMigrateCommand(CoreConnection? core, object? extra, Instant now)
    {
        var request = (MigrationRequest)extra!;
        if (core is null || _closeException is not null)
        {
            request.Completion.TrySetException(Rethrowable(_closeException ?? Aborted()));
            return;
        }

        _worker.StartMigration(this, core, request.Local, request.Completion, now);
    }

    /// <summary>Worker: the core switched paths (client: our migration; server: the peer moved), or a probe failed.</summary>
    private void OnPathEvent(CoreConnection core, ConnectionEventKind kind, Instant now)
    {
        RemoteEndPoint = core.RemoteAddress;
        if (IsServer || _migratingTo is not IPEndPoint target)
        {
            return;
        }

        if (kind == ConnectionEventKind.PathMigrated)
        {
            LocalEndPoint = core.LocalAddress ?? target;
            _worker.OnMigrated(this, LocalEndPoint, now);
            _migration?.TrySetResult();
        }
        else
        {
            _worker.OnMigrationFailed(this, target);
            _migration?.TrySetException(new QuicException(QuicError.ConnectionTimeout, null, "The new path could not be validated (RFC 9000 §8.2.4); the connection stays on its path."));
        }

        _migration = null;
        _migratingTo = null;
    }

    private sealed record MigrationRequest(IPEndPoint? Local, TaskCompletionSource Completion);
}
