using System.Net;
using SharpQuic.Core;
using SharpQuic.Udp;
using CoreConnection = SharpQuic.Core.Connection.QuicConnection;

namespace SharpQuic.Runtime;

/// <summary>
/// Client migration (RFC 9000 §9.2): a connection that moves gets a socket of its own in its worker, bound to the new
/// local address. Its datagrams are read with the others each iteration (the worker then waits at most a
/// millisecond, since it blocks on its main socket only), and what the core sends from that address leaves through
/// it. A socket the connection left is closed a second later (the server may still check the old path, §9.3.3).
/// </summary>
internal sealed partial class QuicWorker
{
    private static readonly TimeSpan OldPathLinger = TimeSpan.FromSeconds(1);
    private readonly List<ExtraSocket> _extraSockets = [];

    /// <summary>Worker: opens a socket on <paramref name="local"/> (port 0: any) and starts probing from it.</summary>
    internal void StartMigration(QuicConnection connection, CoreConnection core, IPEndPoint? local, TaskCompletionSource migrated, Instant now)
    {
        IUdpSocket socket;
        try
        {
            var bind = new IPEndPoint(local?.Address ?? _socket.LocalEndPoint.Address, local?.Port ?? 0);
            socket = UdpSocketFactory.Open(bind, new UdpSocketOptions
            {
                DualStack = bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
                EnablePacketInfo = false,
            });
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
        {
            migrated.TrySetException(new QuicException(QuicError.InternalError, null, null, "Could not bind the new local address: " + e.Message, e));
            return;
        }

        var extra = new ExtraSocket(socket, connection);
        Core.Connection.MigrationStartResult result = core.Migrate(extra.Local, now);
        if (result != Core.Connection.MigrationStartResult.Started)
        {
            socket.Dispose();
            migrated.TrySetException(new QuicException(QuicError.InternalError, null, $"The connection cannot migrate now: {result}."));
            return;
        }

        _extraSockets.Add(extra);
        connection.OnMigrationStarted(extra.Local, migrated);
        MarkDirty(connection);
    }

    /// <summary>Worker: the connection moved to <paramref name="local"/>; the sockets it no longer uses close soon.</summary>
    internal void OnMigrated(QuicConnection connection, IPEndPoint local, Instant now)
    {
        foreach (ExtraSocket s in _extraSockets)
        {
            if (ReferenceEquals(s.Owner, connection) && !s.Local.Equals(local))
            {
                s.CloseAt ??= now + OldPathLinger;
            }
        }
    }

    /// <summary>Worker: the probe of <paramref name="local"/> failed; its socket closes at once.</summary>
    internal void OnMigrationFailed(QuicConnection connection, IPEndPoint local)
    {
        foreach (ExtraSocket s in _extraSockets)
        {
            if (ReferenceEquals(s.Owner, connection) && s.Local.Equals(local))
            {
                s.CloseAt = Instant.Zero;
            }
        }
    }

    private void ReceiveExtraSockets(Instant now)
    {
        foreach (ExtraSocket extra in _extraSockets)
        {
            UdpReceiveOutcome outcome = extra.Socket.Receive(_receiveBuffer, _received);
            if (outcome.Status != UdpReceiveStatus.Received)
            {
                continue;
            }

            for (int i = 0; i < outcome.Count; i++)
            {
                ref ReceivedDatagram d = ref _received[i];
                HandleDatagram(now, d.Source, extra.Local, _receiveBuffer.AsSpan(d.Offset, d.Length), d.Ecn);
            }
        }
    }

    /// <summary>The datagram just written at the main batch's free space goes out through a migrated connection's socket.</summary>
    private bool TryCommitToExtraSocket(CoreConnection core, int length)
    {
        if (_extraSockets.Count == 0 || core.LastTransmitSource is not IPEndPoint source)
        {
            return false;
        }

        foreach (ExtraSocket extra in _extraSockets)
        {
            if (extra.Local.Equals(source))
            {
                if (extra.Batch.EnsureSpace())
                {
                    _send.Free[..length].CopyTo(extra.Batch.Free);
                    extra.Batch.Commit(core.LastTransmitDestination, length, core.LastTransmitEcn, standalone: core.LastTransmitIsProbe);
                }

                return true; // A full socket drops the datagram: recovery resends what it carried.
            }
        }

        return false;
    }

    private void FlushAndSweepExtraSockets(Instant now)
    {
        for (int i = _extraSockets.Count - 1; i >= 0; i--)
        {
            ExtraSocket extra = _extraSockets[i];
            extra.Batch.Flush();
            bool ownerGone = extra.Owner.Core is null;
            if (ownerGone || (extra.CloseAt is Instant at && at <= now))
            {
                extra.Socket.Dispose();
                _extraSockets.RemoveAt(i);
            }
        }
    }

    private void DisposeExtraSockets()
    {
        foreach (ExtraSocket extra in _extraSockets)
        {
            extra.Socket.Dispose();
        }

        _extraSockets.Clear();
    }

    /// <summary>A socket one migrated connection sends and receives through.</summary>
    private sealed class ExtraSocket(IUdpSocket socket, QuicConnection owner)
    {
        public IUdpSocket Socket { get; } = socket;

        public IPEndPoint Local { get; } = socket.LocalEndPoint;

        public QuicConnection Owner { get; } = owner;

        public SendBatch Batch { get; } = new(socket, 64 * 1024);

        public Instant? CloseAt { get; set; }
    }
}
