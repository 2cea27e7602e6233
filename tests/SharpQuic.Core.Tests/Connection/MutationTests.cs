using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Simulation;
using Xunit.Abstractions;

namespace SharpQuic.Core.Tests.Connection;

// Runs alone: its memory bound reads the process-wide GC.GetTotalMemory.
[Collection(MeasurementCollection.Name)]
public sealed class MutationTests(ITestOutputHelper output)
{
    private static readonly TransportErrorCode[] s_allowed =
    [
        TransportErrorCode.FrameEncodingError, TransportErrorCode.ProtocolViolation, TransportErrorCode.FlowControlError,
        TransportErrorCode.StreamLimitError, TransportErrorCode.StreamStateError, TransportErrorCode.FinalSizeError,
        TransportErrorCode.ConnectionIdLimitError,
    ];

    /// <summary>
    /// 100,000 1-RTT packets under valid keys from a real client, carrying frames from a generator of valid frames,
    /// one packet in a hundred corrupted (byte flips, truncation, junk, wrong types). Valid packets must never close
    /// the server (until a corruption was accepted); corrupted ones are ignored or close it with a transport error of RFC 9000 §12.4/§19 — never an
    /// exception, never INTERNAL_ERROR — and state stays bounded.
    /// </summary>
    [Fact]
    public void HundredThousandMutatedPackets_IgnoredOrClosedWithTheRightError()
    {
        const int Packets = 100_000;
        var random = new Random(1234);
        int closes = 0;
        bool tainted = false;
        int mutated = 0;
        int seed = 100;
        var codes = new Dictionary<ulong, int>();
        QuicPair pair = NewPair(seed++);
        long memoryBefore = GC.GetTotalMemory(true);
        long memoryPeak = 0;
        try
        {
            for (int i = 0; i < Packets; i++)
            {
                bool mutate = random.Next(100) == 0;
                byte[] frames = Generate(random, mutate);
                mutated += mutate ? 1 : 0;
                QuicConnection client = pair.Client!;
                QuicConnection server = pair.ServerConnection!;
                client.InjectedFrames = frames;
                pair.Network.RunUntil(() => client.InjectedFrames is null || server.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromSeconds(5));
                Assert.Null(client.InjectedFrames);

                // Let the packet arrive and be processed.
                pair.Network.RunUntil(() => server.State != ConnectionState.Open || server.BytesReceived > 0 && pair.Network.InFlightCount == 0, pair.Network.Now + TimeSpan.FromMilliseconds(50));
                if (server.State != ConnectionState.Open)
                {
                    Assert.True(mutate || tainted, $"a valid packet closed the server: {server.CloseInfo} frames {Convert.ToHexString(frames)}");
                    ulong code = server.CloseInfo!.ErrorCode;

                    // A corruption may turn a frame into a CONNECTION_CLOSE: the server then drains (RFC 9000 §10.2.2).
                    if (server.CloseInfo.Reason == CloseReason.Remote)
                    {
                        code = ulong.MaxValue;
                    }
                    else
                    {
                        Assert.Equal(CloseReason.Local, server.CloseInfo.Reason);
                        Assert.True(Array.IndexOf(s_allowed, (TransportErrorCode)code) >= 0, $"closed with {server.CloseInfo} for {Convert.ToHexString(frames)}");
                    }

                    codes[code] = codes.GetValueOrDefault(code) + 1;
                    closes++;
                    pair.Dispose();
                    pair = NewPair(seed++);
                    tainted = false;
                }
                else
                {
                    // A corruption that was accepted (say, a FIN bit) may make later valid frames wrong.
                    tainted |= mutate;

                    // Bounded state: streams within our limits, sent records within the window.
                    Assert.True(server.Streams.StreamCount <= 200);
                    Assert.True(server.SentRecordsInUse < 10_000);
                }

                if (i % 10_000 == 0)
                {
                    memoryPeak = Math.Max(memoryPeak, GC.GetTotalMemory(false));
                }
            }
        }
        finally
        {
            pair.Dispose();
        }

        output.WriteLine($"{mutated} mutated, {closes} closes; codes: {string.Join(", ", codes.Select(kv => $"0x{kv.Key:x}×{kv.Value}"))}");
        Assert.True(closes > 0 && closes <= mutated);
        long memoryAfter = GC.GetTotalMemory(true);
        Assert.True(memoryAfter - memoryBefore < 64L << 20, $"memory grew {memoryAfter - memoryBefore} bytes");
    }

    private static QuicPair NewPair(int seed)
    {
        var pair = new QuicPair(seed, new LinkConditions { Delay = TimeSpan.FromMilliseconds(1), Mtu = 1200 });
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));

        // The injected frames name client streams 0..196: the client opens them so that the server's answers
        // (flow control updates on them) are legitimate for it.
        for (int i = 0; i < 50; i++)
        {
            Assert.True(pair.Client!.TryOpenStream(true, out _));
        }

        return pair;
    }

    /// <summary>One to four valid frames of kinds a client may send at any time (stream offsets kept so that 50 streams stay
    /// within the 1 MiB connection window); optionally corrupted.</summary>
    private static byte[] Generate(Random random, bool mutate)
    {
        var buffer = new byte[400];
        var w = new QuicWriter(buffer);
        int count = random.Next(1, 5);
        var data = new byte[random.Next(0, 100)];
        random.NextBytes(data);
        for (int i = 0; i < count; i++)
        {
            switch (random.Next(9))
            {
                case 0:
                    w.TryWriteByte((byte)FrameType.Ping);
                    break;
                case 1:
                    new PaddingFrame(random.Next(1, 20)).TryWrite(ref w);
                    break;
                case 2:
                    new MaxDataFrame((ulong)random.NextInt64(0, 1L << 40)).TryWrite(ref w);
                    break;
                case 3:
                    new StreamFrame(4 * (ulong)random.Next(0, 50), (ulong)random.Next(0, 15_000), data, fin: false).TryWrite(ref w);
                    break;
                case 4:
                    new MaxStreamDataFrame(4 * (ulong)random.Next(0, 50), (ulong)random.NextInt64(0, 1L << 30)).TryWrite(ref w);
                    break;
                case 5:
                    new DataBlockedFrame((ulong)random.Next()).TryWrite(ref w);
                    break;
                case 6:
                    new PathChallengeFrame((ulong)random.NextInt64()).TryWrite(ref w);
                    break;
                case 7:
                    new MaxStreamsFrame(true, (ulong)random.Next(0, 1000)).TryWrite(ref w);
                    break;
                default:
                    new StreamDataBlockedFrame(4 * (ulong)random.Next(0, 50), (ulong)random.Next()).TryWrite(ref w);
                    break;
            }
        }

        byte[] frames = buffer.AsSpan(0, w.Written).ToArray();
        if (!mutate)
        {
            return frames;
        }

        switch (random.Next(4))
        {
            case 0:
                frames[random.Next(frames.Length)] ^= (byte)(1 << random.Next(8));
                return frames;
            case 1:
                return frames.AsSpan(0, random.Next(1, frames.Length + 1)).ToArray();
            case 2:
                frames[0] = (byte)random.Next(256);
                return frames;
            default:
                var junk = new byte[random.Next(1, 30)];
                random.NextBytes(junk);
                return [.. frames, .. junk];
        }
    }
}
