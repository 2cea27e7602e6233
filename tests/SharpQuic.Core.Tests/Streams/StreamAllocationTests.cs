using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Streams;

public sealed class StreamAllocationTests
{
    private sealed class Harness
    {
        private readonly byte[] _packet = new byte[StreamTestKit.PacketSize];
        private readonly byte[] _source = new byte[64 * 1024];
        private readonly byte[] _sink = new byte[32 * 1024];
        private readonly SentStreamFrame[] _streamRecords = new SentStreamFrame[128];
        private readonly SentControlFrame[] _controlRecords = new SentControlFrame[128];
        private Instant _now = Instant.FromMilliseconds(1);
        private ulong _written;

        public Harness()
        {
            var options = new StreamManagerOptions();
            Client = new StreamManager(true, options);
            Server = new StreamManager(false, options);
            Client.SetPeerLimits(options.ToPeerLimits());
            Server.SetPeerLimits(options.ToPeerLimits());
            Client.SmoothedRtt = Server.SmoothedRtt = TimeSpan.FromMilliseconds(1);
            new Random(5).NextBytes(_source);
            Assert.True(Client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id));
            Id = id;
        }

        public StreamManager Client { get; }

        public StreamManager Server { get; }

        public StreamId Id { get; }

        public long Frames { get; private set; }

        public ulong Received { get; private set; }

        /// <summary>Moves <paramref name="bytes"/> more from the client's application to the server's.</summary>
        public void Transfer(ulong bytes)
        {
            ulong target = Received + bytes;
            while (Received < target)
            {
                int from = (int)(_written % (ulong)_source.Length);
                _written += (ulong)Client.Write(Id, _source.AsSpan(from));
                Exchange(Client, Server);
                while (Server.PollEvent(out _))
                {
                }

                int n;
                while ((n = Server.Read(Id, _sink, _now).BytesRead) > 0)
                {
                    // Check the content without allocating: the stream repeats the source.
                    int at = (int)(Received % (ulong)_source.Length);
                    for (int i = 0; i < n; i += 997)
                    {
                        if (_sink[i] != _source[(at + i) % _source.Length])
                        {
                            throw new InvalidOperationException("corrupted stream data");
                        }
                    }

                    Received += (ulong)n;
                }

                Exchange(Server, Client);
                while (Client.PollEvent(out _))
                {
                }

                _now += TimeSpan.FromMicroseconds(100);
            }
        }

        private void Exchange(StreamManager sender, StreamManager receiver)
        {
            for (int packets = 0; packets < 16; packets++)
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
                while (frames.TryReadNext(out FrameType type, out TransportErrorCode error))
                {
                    if (!receiver.TryHandleFrame(ref frames, type, _now, out error) || error != TransportErrorCode.NoError)
                    {
                        throw new InvalidOperationException($"frame {type}: {error}");
                    }

                    Frames++;
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

    [Fact]
    public void SteadyStateTransferOfTenMegabytesAllocatesNothing()
    {
        var harness = new Harness();

        // Warm up: JIT tiers, queue and ring growth, the pool filling, window auto-tuning.
        harness.Transfer(4 * 1024 * 1024);

        long before = GC.GetAllocatedBytesForCurrentThread();
        long framesBefore = harness.Frames;
        harness.Transfer(10 * 1024 * 1024);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long frames = harness.Frames - framesBefore;

        Assert.True(frames > 8000, $"{frames} frames");
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {frames} frames ({(double)allocated / frames:F2} per frame)");
        Assert.True(harness.Server.ConnectionReceiveWindow >= 1024 * 1024);
    }
}
