using System.Buffers;
using SharpQuic.Http3.Wire;
using static SharpQuic.Http3.Tests.Wire.Harness;

namespace SharpQuic.Http3.Tests.Wire;

/// <summary>Hostile input: mutated valid streams must yield events or H3 errors, never exceptions.</summary>
public sealed class MutationTests
{
    private const int Inputs = 60_000;

    [Fact]
    public void Mutated_streams_never_throw_and_respect_the_bounds()
    {
        var random = new Random(0xbad);
        byte[][] seeds = Seeds();
        var options = new Http3FrameReaderOptions { MaxHeadersFrameSize = 64, MaxSettingsFrameSize = 32, MaxPriorityFieldValueSize = 16, WebTransportEnabled = true };
        var kinds = new[] { Http3StreamKind.Control, Http3StreamKind.Request, Http3StreamKind.Push };
        int errors = 0, events = 0;
        for (int i = 0; i < Inputs; i++)
        {
            byte[] input = Mutate(seeds[random.Next(seeds.Length)], random);
            int[] cuts = RandomCuts(input.Length, random);

            var frames = new Http3FrameReader(kinds[i % 3], localIsClient: (i & 4) != 0, options);
            List<Seen> seen = ReadFrames(frames, input, cuts);
            foreach (Seen s in seen)
            {
                events++;
                if (s.Kind == "Error")
                {
                    errors++;
                    Assert.True(Enum.IsDefined(s.Error) && s.Error != Http3ErrorCode.NoError, s.ToString());
                }
                else if (s.Kind == "Frame" && s.Type is 0x01 or 0x05)
                {
                    Assert.True(s.Payload.Length <= options.MaxHeadersFrameSize);
                }
                else if (s.Kind == "Frame" && s.Type == 0x04)
                {
                    Assert.True(s.Payload.Length <= options.MaxSettingsFrameSize);
                    if (!Http3Settings.TryParse(s.Payload, out _, out Http3ErrorCode settingsError))
                    {
                        Assert.Equal(Http3ErrorCode.SettingsError, settingsError); // framing was checked by the reader
                    }
                }
            }

            frames.TryComplete(out _);

            var capsules = new CapsuleReader(maxDatagramSize: 32);
            foreach (Seen s in ReadCapsules(capsules, input, cuts))
            {
                Assert.True(s.Kind == "Capsule" || s.Error is Http3ErrorCode.MessageError or Http3ErrorCode.WebTransportFlowControlError);
                Assert.True(s.Payload.Length <= 1024 + 32);
            }

            capsules.TryComplete(out _);
            Http3Settings.TryParse(input, out _, out _);
            HttpDatagram.TryParse(input, out _, out _, out _);
            var preamble = new Http3StreamPreambleReader();
            preamble.TryRead(input, out int used);
            Assert.InRange(used, 0, input.Length);
        }

        // The corpus must exercise both paths, or the test proves little.
        Assert.True(errors > Inputs / 20, $"only {errors} errors");
        Assert.True(events - errors > Inputs / 5, $"only {events - errors} accepted events");
    }

    private static byte[][] Seeds()
    {
        var control = new ArrayBufferWriter<byte>();
        new Http3Settings { QPackMaxTableCapacity = 4096, H3Datagram = true, WebTransportEnabled = true, Grease = (0x21, 7) }.WriteFrame(control);
        Http3FrameWriter.WriteFrame(control, 0x07, 8, []);
        Http3FrameWriter.WriteFrame(control, 0x0d, 3, []);
        Http3FrameWriter.WriteFrame(control, 0xF0700, 4, "u=1"u8);
        Http3FrameWriter.WriteFrame(control, 0x40, [1, 2, 3]);

        var request = new ArrayBufferWriter<byte>();
        Http3FrameWriter.WriteFrame(request, 0x01, [0, 0, 0xd1, 0xd7]);
        Http3FrameWriter.WriteFrame(request, 0x00, "hello"u8);
        Http3FrameWriter.WriteFrame(request, 0x5f, []);
        Http3FrameWriter.WriteFrame(request, 0x00, new byte[40]);
        Http3FrameWriter.WriteFrame(request, 0x01, [0, 0]);

        var webTransport = new byte[16];
        Http3FrameWriter.TryWriteWebTransportStreamSignal(webTransport, 4, out int wt);

        var capsules = new ArrayBufferWriter<byte>();
        CapsuleWriter.WriteCapsule(capsules, 0x00, [1, 2, 3, 4]);
        CapsuleWriter.WriteCapsule(capsules, 0x78ae, []);
        var buffer = new byte[64];
        CapsuleWriter.TryWriteVarIntCapsule(buffer, CapsuleType.WebTransportMaxStreamsBidi, 100, out int w);
        capsules.Write(buffer.AsSpan(0, w));
        CapsuleWriter.TryWriteCloseSession(buffer, 0x1234, "bye"u8, out w);
        capsules.Write(buffer.AsSpan(0, w));

        return [control.WrittenSpan.ToArray(), request.WrittenSpan.ToArray(), webTransport[..wt], capsules.WrittenSpan.ToArray()];
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
                default:
                    bytes.InsertRange(at, VarInts(VarIntValue(random))); // a plausible-looking integer
                    break;
            }
        }

        return [.. bytes];
    }

    private static int[] RandomCuts(int length, Random random)
    {
        if (length < 2 || random.Next(3) == 0)
        {
            return [];
        }

        var cuts = new SortedSet<int>();
        int count = random.Next(1, Math.Min(length, 10));
        for (int i = 0; i < count; i++)
        {
            cuts.Add(random.Next(1, length));
        }

        return [.. cuts];
    }
}
