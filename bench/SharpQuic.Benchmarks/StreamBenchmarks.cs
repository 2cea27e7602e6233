using BenchmarkDotNet.Attributes;
using SharpQuic.Core;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Benchmarks;

/// <summary>
/// The stream layer alone, two managers back to back in memory: 1 MiB over one stream in
/// 1,200-byte packets (write, frame, parse, reassemble, read, acknowledge, flow control updates).
/// </summary>
[MemoryDiagnoser]
public class StreamBenchmarks
{
    private const int Transfer = 1024 * 1024;
    private readonly byte[] _packet = new byte[1200];
    private readonly byte[] _source = new byte[64 * 1024];
    private readonly byte[] _sink = new byte[64 * 1024];
    private readonly SentStreamFrame[] _streamRecords = new SentStreamFrame[64];
    private readonly SentControlFrame[] _controlRecords = new SentControlFrame[64];
    private StreamManager _client = null!;
    private StreamManager _server = null!;
    private StreamId _id;
    private ulong _written;
    private Instant _now;

    [GlobalSetup]
    public void Setup()
    {
        var options = new StreamManagerOptions();
        _client = new StreamManager(true, options);
        _server = new StreamManager(false, options);
        _client.SetPeerLimits(options.ToPeerLimits());
        _server.SetPeerLimits(options.ToPeerLimits());
        _client.SmoothedRtt = _server.SmoothedRtt = TimeSpan.FromMilliseconds(1);
        _client.TryOpenStream(StreamDirection.Unidirectional, out _id);
        _now = Instant.FromMilliseconds(1);
    }

    /// <summary>Moves 1 MiB from the client's application to the server's.</summary>
    [Benchmark]
    public long OneMebibyte()
    {
        long received = 0;
        while (received < Transfer)
        {
            _written += (ulong)_client.Write(_id, _source.AsSpan((int)(_written % (ulong)_source.Length)));
            Exchange(_client, _server);
            while (_server.PollEvent(out _))
            {
            }

            int n;
            while ((n = _server.Read(_id, _sink, _now).BytesRead) > 0)
            {
                received += n;
            }

            Exchange(_server, _client);
            while (_client.PollEvent(out _))
            {
            }

            _now += TimeSpan.FromMicroseconds(100);
        }

        return received;
    }

    private void Exchange(StreamManager sender, StreamManager receiver)
    {
        for (int packets = 0; packets < 32; packets++)
        {
            var writer = new QuicWriter(_packet);
            int control = 0;
            int stream = 0;
            while (control < _controlRecords.Length && sender.TryWriteControlFrame(ref writer, out _controlRecords[control]))
            {
                control++;
            }

            while (stream < _streamRecords.Length && sender.TryWriteStreamFrame(ref writer, out _streamRecords[stream]))
            {
                stream++;
            }

            if (writer.Written == 0)
            {
                return;
            }

            var frames = new FrameReader(_packet.AsSpan(0, writer.Written), PacketType.OneRtt);
            while (frames.TryReadNext(out FrameType type, out _))
            {
                receiver.TryHandleFrame(ref frames, type, _now, out _);
            }

            for (int i = 0; i < control; i++)
            {
                sender.OnControlFrameAcked(_controlRecords[i]);
            }

            for (int i = 0; i < stream; i++)
            {
                sender.OnStreamFrameAcked(_streamRecords[i]);
            }
        }
    }
}
