using System.Buffers;
using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Packets;
using SharpQuic.Udp;
using CoreConnection = SharpQuic.Core.Connection.QuicConnection;

namespace SharpQuic.Runtime;

/// <summary>The worker's side of the application's commands, and datagrams handed over between workers.</summary>
internal sealed partial class QuicWorker
{
    private void RunCommands(Instant now)
    {
        foreach (ref readonly WorkerCommand command in _commands.DrainBatch())
        {
            Run(command, now);
        }
    }

    private void Run(in WorkerCommand command, Instant now)
    {
        switch (command.Kind)
        {
            case WorkerCommandKind.Connect:
                Connect((QuicConnection)command.Target!, now);
                break;
            case WorkerCommandKind.Datagram:
                var forwarded = (ForwardedDatagram)command.Extra!;
                HandleDatagram(now, forwarded.Source, forwarded.Destination, forwarded.Bytes.AsSpan(0, forwarded.Length), forwarded.Ecn);
                ArrayPool<byte>.Shared.Return(forwarded.Bytes);
                break;
            case WorkerCommandKind.Stop:
                _stopRequested = true;
                _endpoint.StopAccepting();
                break;
            default:
                if (command.Target is QuicStream stream)
                {
                    stream.Connection.RunStreamCommand(stream, command, now);
                    MarkDirty(stream.Connection);
                }
                else if (command.Target is QuicConnection connection)
                {
                    connection.RunCommand(command, now);
                    if (connection.Core is CoreConnection core)
                    {
                        _endpoint.AfterCommand(core);
                    }

                    MarkDirty(connection);
                }

                break;
        }
    }

    private void Connect(QuicConnection connection, Instant now)
    {
        if (_stopRequested)
        {
            connection.FailConnect(new QuicException(QuicError.OperationAborted, null, "The client worker is shutting down."));
            return;
        }

        try
        {
            CoreConnection core = _endpoint.ConnectWithOptions(now, connection.RemoteEndPoint, connection.ClientTls!, connection.TransportOptions, connection.Version);
            connection.Attach(core);
            Register(connection);
            MarkDirty(connection);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            connection.FailConnect(new QuicException(QuicError.InternalError, null, null, "Could not start the connection: " + e.Message, e));
        }
    }

    /// <summary>Completes a command the worker will never run (it stopped) with an error, so no caller waits forever.</summary>
    private static void FailCommand(in WorkerCommand command)
    {
        var aborted = new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped.");
        switch (command.Target)
        {
            case QuicStream stream:
                stream.FailPending(aborted);
                break;
            case QuicConnection connection:
                connection.FailPending(aborted, command);
                break;
        }

        if (command.Extra is ForwardedDatagram forwarded)
        {
            ArrayPool<byte>.Shared.Return(forwarded.Bytes);
        }
    }

    /// <summary>
    /// With several workers on one port (SO_REUSEPORT), the kernel picks the socket by the address 4-tuple; a datagram
    /// whose connection ID names another worker (the client's address changed, RFC 9000 §9) is handed to that worker.
    /// </summary>
    private bool TryForward(ReadOnlySpan<byte> bytes, in ReceivedDatagram d)
    {
        if (_peers.Length <= 1 || bytes.IsEmpty)
        {
            return false;
        }

        ReadOnlySpan<byte> dcid;
        if ((bytes[0] & 0x80) == 0)
        {
            if (bytes.Length < 1 + WorkerConnectionIdGenerator.IdLength)
            {
                return false;
            }

            dcid = bytes.Slice(1, WorkerConnectionIdGenerator.IdLength);
        }
        else
        {
            // Long header: version (4), DCID length (1), DCID. A client's first Initial carries its own random DCID:
            // it stays with the worker the kernel chose.
            if (bytes.Length < 6 || bytes[5] != WorkerConnectionIdGenerator.IdLength || bytes.Length < 6 + bytes[5])
            {
                return false;
            }

            int type = (bytes[0] >> 4) & 0x3;
            uint version = (uint)((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]);
            if ((type == 0 && version == QuicVersion.V1.Value) || (type == 1 && version == QuicVersion.V2.Value))
            {
                return false;
            }

            dcid = bytes.Slice(6, WorkerConnectionIdGenerator.IdLength);
        }

        if (!WorkerConnectionIdGenerator.TryDecode(dcid, out int worker) || worker == Index || worker >= _peers.Length)
        {
            return false;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(copy);
        var forwarded = new ForwardedDatagram(copy, bytes.Length, d.Source, d.Destination ?? _socket.LocalEndPoint, d.Ecn);
        if (!_peers[worker].Post(new WorkerCommand(WorkerCommandKind.Datagram, null, Extra: forwarded)))
        {
            ArrayPool<byte>.Shared.Return(copy);
        }

        return true;
    }
}

/// <summary>A datagram copied from one worker's socket for the worker that owns its connection.</summary>
internal sealed record ForwardedDatagram(byte[] Bytes, int Length, IPEndPoint Source, IPEndPoint Destination, EcnCodepoint Ecn);
