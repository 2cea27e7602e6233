using System.Buffers.Binary;
using System.Net;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SharpQuic.Udp;

/// <summary>
/// Turns the raw address and port of a received datagram into an <see cref="IPEndPoint"/> without
/// allocating one per datagram.
/// </summary>
/// <remarks>
/// Why a cache and not a struct address: the engine keys paths and connections by
/// <see cref="IPEndPoint"/> (<c>Transmit.Destination</c> is one), so the driver needs an instance
/// anyway; converting lazily would only move the allocation. A direct-mapped table keyed by
/// address bytes + port + scope id hands back the same instance for every datagram of a flow. A
/// miss (a new peer, or two peers sharing a slot) allocates one address and one end point and
/// replaces the slot; a server with far more active peers than slots allocates on misses, which
/// bounds memory and costs only the allocation the portable path makes on every datagram.
/// Single-threaded: one per socket, used by the worker that owns the socket.
/// </remarks>
internal sealed class EndPointCache
{
    private readonly Entry[] _entries;
    private readonly int _mask;

    /// <summary>Creates a cache of at least <paramref name="size"/> slots (a power of two).</summary>
    public EndPointCache(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)size);
        _entries = new Entry[slots];
        _mask = slots - 1;
    }

    /// <summary>Misses so far (each allocated an end point); for tests and counters.</summary>
    public long Misses { get; private set; }

    /// <summary>The end point for an IPv4 address (4 bytes, network order) and port.</summary>
    public IPEndPoint GetV4(ReadOnlySpan<byte> address, int port)
    {
        uint a = BinaryPrimitives.ReadUInt32LittleEndian(address);
        ref Entry e = ref Slot(a, 0, port, 0);
        if (e.Value is { } hit && e.Family == 4 && e.Low == a && e.High == 0 && e.Port == port)
        {
            return hit;
        }

        Misses++;
        var value = new IPEndPoint(new IPAddress(address), port);
        e = new Entry { Low = a, High = 0, Port = port, Scope = 0, Family = 4, Value = value };
        return value;
    }

    /// <summary>The end point for an IPv6 address (16 bytes), port and scope id.</summary>
    public IPEndPoint GetV6(ReadOnlySpan<byte> address, int port, uint scopeId)
    {
        ulong low = MemoryMarshal.Read<ulong>(address);
        ulong high = MemoryMarshal.Read<ulong>(address[8..]);
        ref Entry e = ref Slot(low, high, port, scopeId);
        if (e.Value is { } hit && e.Family == 6 && e.Low == low && e.High == high && e.Port == port && e.Scope == scopeId)
        {
            return hit;
        }

        Misses++;
        var value = new IPEndPoint(new IPAddress(address, scopeId), port);
        e = new Entry { Low = low, High = high, Port = port, Scope = scopeId, Family = 6, Value = value };
        return value;
    }

    private ref Entry Slot(ulong low, ulong high, int port, uint scope)
    {
        // A cheap multiplicative mix; peers are chosen by the network, so the table is only a cache:
        // a collision costs an allocation, never correctness.
        ulong h = (low ^ (high * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)port << 32) ^ scope) * 0xBF58476D1CE4E5B9UL;
        return ref _entries[(int)(h >> 40) & _mask];
    }

    private struct Entry
    {
        public ulong Low;
        public ulong High;
        public int Port;
        public uint Scope;
        public int Family;
        public IPEndPoint? Value;
    }
}
