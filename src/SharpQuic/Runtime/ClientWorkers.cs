using System.Net;
using System.Net.Sockets;
using SharpQuic.Core.Endpoint;
using SharpQuic.Cryptography;
using SharpQuic.Udp;

namespace SharpQuic.Runtime;

/// <summary>
/// The process's client workers: a few shared workers per address family, each with one ephemeral socket that
/// carries many client connections told apart by connection ID (as msquic shares bindings). A connection with its
/// own <see cref="QuicClientConnectionOptions.LocalEndPoint"/> gets a dedicated worker that ends with it.
/// </summary>
internal static class ClientWorkers
{
    private static readonly Lock s_gate = new();
    private static QuicWorker[]? s_ipv4;
    private static QuicWorker[]? s_ipv6;

    /// <summary>Client workers per address family (SHARPQUIC_CLIENT_WORKERS, default: the processor count, at most 4).</summary>
    public static int Count { get; } = ReadCount();

    public static QuicWorker Pick(IPEndPoint remote, IPEndPoint? local)
    {
        if (local is not null)
        {
            QuicWorker dedicated = Create(local, 0, stopWhenEmpty: true);
            dedicated.Start([dedicated]);
            return dedicated;
        }

        QuicWorker[] pool = Pool(remote.AddressFamily == AddressFamily.InterNetworkV6 && !remote.Address.IsIPv4MappedToIPv6);
        QuicWorker best = pool[0];
        foreach (QuicWorker w in pool)
        {
            if (w.ConnectionCount < best.ConnectionCount)
            {
                best = w;
            }
        }

        return best;
    }

    private static QuicWorker[] Pool(bool ipv6)
    {
        lock (s_gate)
        {
            ref QuicWorker[]? pool = ref ipv6 ? ref s_ipv6 : ref s_ipv4;
            if (pool is null || Array.Exists(pool, w => w.HasStopped))
            {
                var workers = new QuicWorker[Count];
                var any = new IPEndPoint(ipv6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
                for (int i = 0; i < workers.Length; i++)
                {
                    workers[i] = Create(any, i, stopWhenEmpty: false);
                }

                foreach (QuicWorker w in workers)
                {
                    w.Start([w]); // Separate ports: a datagram always belongs to the worker whose socket got it.
                }

                pool = workers;
            }

            return pool;
        }
    }

    private static QuicWorker Create(IPEndPoint local, int index, bool stopWhenEmpty)
    {
        IUdpSocket socket = UdpSocketFactory.Open(local, new UdpSocketOptions { DualStack = local.AddressFamily == AddressFamily.InterNetworkV6, EnablePacketInfo = false });
        var options = new EndpointOptions
        {
            AcceptConnections = false,
            ConnectionIdGenerator = new WorkerConnectionIdGenerator(index, SystemRandomSource.Instance),
            WallClockOrigin = RuntimeClock.WallClockOrigin,
        };
        return new QuicWorker(socket, options, index, listener: null, stopWhenEmpty);
    }

    private static int ReadCount()
    {
        string? value = Environment.GetEnvironmentVariable("SHARPQUIC_CLIENT_WORKERS");
        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= WorkerConnectionIdGenerator.MaxWorkers
            ? n : Math.Clamp(Environment.ProcessorCount, 1, 4);
    }
}
