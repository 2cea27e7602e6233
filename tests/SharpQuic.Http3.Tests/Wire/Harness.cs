using System.Buffers;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Wire;

/// <summary>One event seen by a test, with its payload copied out (DATA chunks joined per frame).</summary>
internal sealed record Seen(string Kind, ulong Type, ulong Value, byte[] Payload, Http3ErrorCode Error)
{
    public bool Same(Seen other) => Kind == other.Kind && Type == other.Type && Value == other.Value
        && Payload.AsSpan().SequenceEqual(other.Payload) && Error == other.Error;

    public override string ToString() => $"{Kind} type=0x{Type:x} value={Value} payload={Convert.ToHexString(Payload)} error={Error}";
}

internal static class Harness
{
    /// <summary>Feeds <paramref name="input"/> in pieces cut at <paramref name="cuts"/>; records every event.</summary>
    public static List<Seen> ReadFrames(Http3FrameReader reader, byte[] input, IReadOnlyList<int> cuts)
    {
        var seen = new List<Seen>();
        var data = new ArrayBufferWriter<byte>();
        int start = 0;
        for (int c = 0; c <= cuts.Count; c++)
        {
            int end = c < cuts.Count ? cuts[c] : input.Length;
            ReadOnlySpan<byte> chunk = input.AsSpan(start, end - start);
            start = end;
            while (true)
            {
                Http3FrameReadStatus status = reader.Read(chunk, out int consumed, out Http3FrameEvent ev);
                Assert.InRange(consumed, 0, chunk.Length);
                chunk = chunk[consumed..];
                switch (status)
                {
                    case Http3FrameReadStatus.NeedMoreData:
                        Assert.Equal(0, chunk.Length); // only when everything was used
                        break;
                    case Http3FrameReadStatus.DataChunk:
                        Assert.True(ev.Payload.Length > 0);
                        data.Write(ev.Payload);
                        if (ev.DataRemaining == 0)
                        {
                            seen.Add(new Seen("Data", ev.Type, 0, data.WrittenSpan.ToArray(), Http3ErrorCode.NoError));
                            data.Clear();
                        }

                        continue;
                    case Http3FrameReadStatus.Frame:
                        seen.Add(new Seen("Frame", ev.Type, ev.Value, ev.Payload.ToArray(), Http3ErrorCode.NoError));
                        continue;
                    case Http3FrameReadStatus.WebTransportStream:
                        seen.Add(new Seen("WebTransport", ev.Type, ev.Value, chunk.ToArray(), Http3ErrorCode.NoError));
                        return seen;
                    case Http3FrameReadStatus.Error:
                        seen.Add(new Seen("Error", ev.Type, 0, [], ev.Error));
                        return seen;
                }

                break;
            }
        }

        return seen;
    }

    public static List<Seen> ReadCapsules(CapsuleReader reader, byte[] input, IReadOnlyList<int> cuts)
    {
        var seen = new List<Seen>();
        int start = 0;
        for (int c = 0; c <= cuts.Count; c++)
        {
            int end = c < cuts.Count ? cuts[c] : input.Length;
            ReadOnlySpan<byte> chunk = input.AsSpan(start, end - start);
            start = end;
            while (true)
            {
                CapsuleReadStatus status = reader.Read(chunk, out int consumed, out CapsuleEvent ev);
                Assert.InRange(consumed, 0, chunk.Length);
                chunk = chunk[consumed..];
                if (status == CapsuleReadStatus.NeedMoreData)
                {
                    Assert.Equal(0, chunk.Length);
                    break;
                }

                if (status == CapsuleReadStatus.Error)
                {
                    seen.Add(new Seen("Error", ev.Type, 0, [], ev.Error));
                    return seen;
                }

                seen.Add(new Seen("Capsule", ev.Type, ev.Value, ev.Payload.ToArray(), Http3ErrorCode.NoError));
            }
        }

        return seen;
    }

    /// <summary>The chunkings tried on every input: whole, every single split point, every byte alone, and random cuts.</summary>
    public static IEnumerable<int[]> Chunkings(int length, Random random, bool allSplits = true)
    {
        yield return [];
        if (allSplits)
        {
            for (int i = 1; i < length; i++)
            {
                yield return [i];
            }
        }

        var single = new int[Math.Max(0, length - 1)];
        for (int i = 0; i < single.Length; i++)
        {
            single[i] = i + 1;
        }

        yield return single;
        for (int r = 0; r < 20; r++)
        {
            var cuts = new SortedSet<int>();
            int count = random.Next(1, 8);
            for (int k = 0; k < count && length > 1; k++)
            {
                cuts.Add(random.Next(1, length));
            }

            yield return [.. cuts];
        }
    }

    public static void AssertSame(IReadOnlyList<Seen> expected, IReadOnlyList<Seen> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Same(actual[i]), $"event {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    public static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A random varint value, spread over the four encoding lengths.</summary>
    public static ulong VarIntValue(Random random) => random.Next(4) switch
    {
        0 => (ulong)random.Next(64),
        1 => (ulong)random.Next(16384),
        2 => (ulong)random.Next(1 << 30),
        _ => (ulong)random.NextInt64() & ((1UL << 62) - 1),
    };

    public static byte[] Concat(params byte[][] parts)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (byte[] part in parts)
        {
            writer.Write(part);
        }

        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Frame(ulong type, byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        Http3FrameWriter.WriteFrame(writer, type, payload);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] VarIntFrame(ulong type, ulong value, byte[]? rest = null)
    {
        var writer = new ArrayBufferWriter<byte>();
        Http3FrameWriter.WriteFrame(writer, type, value, rest ?? []);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] VarInts(params ulong[] values)
    {
        var buffer = new byte[values.Length * 8];
        var writer = new Core.Wire.QuicWriter(buffer);
        foreach (ulong v in values)
        {
            Assert.True(writer.TryWriteVarInt(v));
        }

        return buffer.AsSpan(0, writer.Written).ToArray();
    }
}
