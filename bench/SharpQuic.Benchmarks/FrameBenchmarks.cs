using BenchmarkDotNet.Attributes;
using SharpQuic.Core;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Benchmarks;

/// <summary>Per-packet frame work: walking a typical 1-RTT payload and writing STREAM/ACK frames.</summary>
[MemoryDiagnoser]
public class FrameBenchmarks
{
    private readonly byte[] _payload = new byte[1200];
    private readonly byte[] _output = new byte[1200];
    private readonly byte[] _data = new byte[1100];
    private readonly AckRange[] _ranges = [new(90, 100), new(50, 80), new(10, 40), new(0, 5)];
    private int _payloadLength;

    [GlobalSetup]
    public void Setup()
    {
        var w = new QuicWriter(_payload);
        AckFrame.TryWrite(ref w, _ranges, 25, null, out _);
        new MaxStreamDataFrame(4, 1 << 20).TryWrite(ref w);
        int n = StreamFrame.MaxDataLength(4, 123456, w.Remaining, withLength: false);
        new StreamFrame(4, 123456, _data.AsSpan(0, n), false, hasLength: false).TryWrite(ref w);
        _payloadLength = w.Written;
    }

    /// <summary>Walks ACK + MAX_STREAM_DATA + a full-size STREAM frame.</summary>
    [Benchmark]
    public int ReadPayload()
    {
        var reader = new FrameReader(_payload.AsSpan(0, _payloadLength), PacketType.OneRtt);
        int total = 0;
        while (reader.TryReadNext(out FrameType type, out TransportErrorCode error))
        {
            if (type == FrameType.Stream)
            {
                reader.ReadStream(out StreamFrame stream);
                total += stream.Data.Length;
            }
            else if (type == FrameType.Ack)
            {
                reader.ReadAck(out AckFrame ack);
                foreach (AckRange range in ack)
                {
                    total += (int)(range.Largest - range.Smallest);
                }
            }
            else
            {
                reader.Skip();
            }

            _ = error;
        }

        return total;
    }

    /// <summary>Writes an ACK and a STREAM frame sized to fill the packet.</summary>
    [Benchmark]
    public int WritePayload()
    {
        var w = new QuicWriter(_output);
        AckFrame.TryWrite(ref w, _ranges, 25, null, out _);
        int n = StreamFrame.MaxDataLength(4, 123456, w.Remaining, withLength: false);
        new StreamFrame(4, 123456, _data.AsSpan(0, n), false, hasLength: false).TryWrite(ref w);
        return w.Written;
    }
}
