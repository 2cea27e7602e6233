using System.Net;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;

namespace SharpQuic.Core.Endpoint;

/// <summary>
/// What a runtime driver needs beyond the all-connections calls: per-connection polling and timers (so a worker
/// with thousands of connections touches only the ones that changed, and keeps their deadlines in a timer wheel),
/// and a sweep it calls itself at the end of an iteration (nothing is released while the driver still reads a
/// closed connection's last events).
/// </summary>
public sealed partial class QuicEndpoint
{
    /// <summary>
    /// When true, closed connections are dropped only by <see cref="SweepClosed"/>: the driver drains their last
    /// events first. False (the default) sweeps after every input, as the simulation tests expect.
    /// </summary>
    internal bool ManualSweep { get; set; }

    /// <summary>The connection the last <see cref="HandleDatagram"/> reached (existing or just accepted), or null.</summary>
    internal QuicConnection? LastRouted { get; private set; }

    /// <summary>Writes the next stateless datagram (Version Negotiation, Retry, stateless reset); 0 when none waits.</summary>
    internal int PollStatelessTransmit(Span<byte> buffer, out IPEndPoint? destination)
    {
        if (_stateless.TryDequeue(out (byte[] Buffer, int Length, IPEndPoint To) pending))
        {
            int length = Math.Min(pending.Length, buffer.Length);
            pending.Buffer.AsSpan(0, length).CopyTo(buffer);
            _statelessBuffers.Push(pending.Buffer);
            destination = pending.To;
            return length;
        }

        destination = null;
        return 0;
    }

    /// <summary>Writes <paramref name="connection"/>'s next datagram; 0 when it has nothing to send now.</summary>
    internal int PollConnectionTransmit(Instant now, QuicConnection connection, Span<byte> buffer)
    {
        int written = connection.PollTransmit(now, buffer);
        SyncRoutes(connection);
        return written;
    }

    /// <summary>Fires <paramref name="connection"/>'s timers if due.</summary>
    internal void HandleConnectionTimeout(Instant now, QuicConnection connection)
    {
        if (connection.NextTimeout() is Instant t && t <= now)
        {
            connection.HandleTimeout(now);
        }

        SyncRoutes(connection);
    }

    /// <summary>Follows a connection's ID and state changes after an application command (close, stream calls).</summary>
    internal void AfterCommand(QuicConnection connection) => SyncRoutes(connection);

    /// <summary>Drops closed connections (with <see cref="ManualSweep"/>, the only place that does).</summary>
    internal void SweepClosed()
    {
        bool manual = ManualSweep;
        ManualSweep = false;
        Sweep();
        ManualSweep = manual;
    }

    /// <summary>Starts a client connection with its own transport settings (the public API's per-connection options).</summary>
    internal QuicConnection ConnectWithOptions(Instant now, IPEndPoint remote, ClientTlsSettings tls, ConnectionOptions options, QuicVersion version)
    {
        QuicConnection connection = QuicConnection.CreateClient(
            version, options, tls, _options.Random, _cidGenerator, _resetTokens, _options.WallClockOrigin, remote, now, versionPreference: _options.Versions);
        _connections.Add(connection);
        SyncRoutes(connection);
        return connection;
    }

    /// <summary>Stops creating server connections (the listener was disposed); existing ones go on.</summary>
    internal void StopAccepting() => _stopAccepting = true;
}
