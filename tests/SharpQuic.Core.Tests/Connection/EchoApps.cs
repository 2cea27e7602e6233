using System.Security.Cryptography;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Tests.Connection;

/// <summary>The server side of the echo tests: every byte read from a peer-opened bidirectional stream is written back, FIN included.</summary>
internal sealed class EchoServer
{
    private readonly Dictionary<ulong, (byte[] Data, int Offset, int Length, bool Fin)> _pending = [];
    private readonly byte[] _buffer = new byte[64 * 1024];

    public List<ConnectionEvent> Events { get; } = [];

    public void Run(QuicConnection? c, Instant now)
    {
        if (c is null)
        {
            return;
        }

        bool progress = true;
        while (progress)
        {
            progress = false;
            while (c.PollEvent(out ConnectionEvent e))
            {
                Events.Add(e);
            }

            foreach (ulong id in c.Streams.StreamCount > 0 ? KnownStreams(c) : [])
            {
                progress |= Pump(c, new StreamId(id), now);
            }
        }
    }

    private readonly HashSet<ulong> _streams = [];

    private IEnumerable<ulong> KnownStreams(QuicConnection c)
    {
        foreach (ConnectionEvent e in Events)
        {
            if (e.Kind == ConnectionEventKind.StreamOpened)
            {
                _streams.Add(e.StreamId.Value);
            }
        }

        Events.Clear();
        return _streams.ToArray();
    }

    private bool Pump(QuicConnection c, StreamId id, Instant now)
    {
        bool progress = false;
        if (_pending.TryGetValue(id.Value, out (byte[] Data, int Offset, int Length, bool Fin) p))
        {
            int n = c.Write(id, p.Data.AsSpan(p.Offset, p.Length), p.Fin);
            if (n < p.Length || (p.Length == 0 && !p.Fin))
            {
                _pending[id.Value] = (p.Data, p.Offset + n, p.Length - n, p.Fin);
                return n > 0;
            }

            _pending.Remove(id.Value);
            progress = true;
            if (p.Fin)
            {
                _streams.Remove(id.Value);
                return true;
            }
        }

        while (true)
        {
            StreamReadResult r = c.Read(id, _buffer, now);
            if (r.Status is StreamReadStatus.WouldBlock or StreamReadStatus.Closed or StreamReadStatus.Reset)
            {
                if (r.Status != StreamReadStatus.WouldBlock)
                {
                    _streams.Remove(id.Value);
                }

                return progress;
            }

            bool fin = r.Status == StreamReadStatus.Finished;
            int written = c.Write(id, _buffer.AsSpan(0, r.BytesRead), fin);
            progress = true;
            if (written < r.BytesRead)
            {
                _pending[id.Value] = (_buffer.AsSpan(written, r.BytesRead - written).ToArray(), 0, r.BytesRead - written, fin);
                return true;
            }

            if (fin)
            {
                _streams.Remove(id.Value);
                return true;
            }
        }
    }
}

/// <summary>A client stream that sends a payload with FIN and hashes what comes back.</summary>
internal sealed class EchoClientStream
{
    private readonly byte[] _payload;
    private readonly IncrementalHash _received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _sent;

    public EchoClientStream(StreamId id, byte[] payload)
    {
        Id = id;
        _payload = payload;
        ExpectedHash = SHA256.HashData(payload);
    }

    public StreamId Id { get; }

    public byte[] ExpectedHash { get; }

    public byte[]? ReceivedHash { get; private set; }

    public long ReceivedBytes { get; private set; }

    public bool Done => ReceivedHash is not null;

    public void Pump(QuicConnection c, Instant now, byte[] buffer)
    {
        while (_sent < _payload.Length)
        {
            int n = c.Write(Id, _payload.AsSpan(_sent), fin: true);
            if (n == 0)
            {
                break;
            }

            _sent += n;
        }

        if (_payload.Length == 0 && _sent == 0)
        {
            c.Write(Id, default, fin: true);
            _sent = -1;
        }

        while (ReceivedHash is null)
        {
            StreamReadResult r = c.Read(Id, buffer, now);
            if (r.BytesRead > 0)
            {
                _received.AppendData(buffer, 0, r.BytesRead);
                ReceivedBytes += r.BytesRead;
            }

            if (r.Status == StreamReadStatus.Finished)
            {
                ReceivedHash = _received.GetHashAndReset();
            }
            else if (r.Status != StreamReadStatus.Data)
            {
                break;
            }
        }
    }
}
