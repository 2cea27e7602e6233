using SharpQuic.Http3.Wire;
using static SharpQuic.Http3.Tests.Wire.Harness;

namespace SharpQuic.Http3.Tests.Wire;

public sealed class Http3StreamPreambleTests
{
    [Theory]
    [InlineData(0x00UL, 0UL, false)]
    [InlineData(0x02UL, 0UL, false)]
    [InlineData(0x03UL, 0UL, false)]
    [InlineData(0x01UL, 12345UL, true)]
    [InlineData(0x54UL, 4611686018427387900UL, true)]
    [InlineData(0x54UL, 0UL, true)]
    [InlineData(0x21UL + (0x1fUL * 1000), 0UL, false)]
    public void Preambles_are_read_under_every_chunking(ulong type, ulong id, bool hasId)
    {
        var buffer = new byte[16];
        Assert.True(Http3FrameWriter.TryWriteStreamPreamble(buffer, type, id, out int written));
        byte[] input = Concat(buffer[..written], [0xee, 0xff]); // stream bytes after the preamble stay unread
        foreach (int[] cuts in Chunkings(input.Length, new Random(3)))
        {
            var reader = new Http3StreamPreambleReader();
            int start = 0, total = 0;
            for (int c = 0; c <= cuts.Length && !reader.IsComplete; c++)
            {
                int end = c < cuts.Length ? cuts[c] : input.Length;
                reader.TryRead(input.AsSpan(start, end - start), out int consumed);
                total += consumed;
                start = end;
            }

            Assert.True(reader.IsComplete);
            Assert.Equal(written, total);
            Assert.Equal(type, reader.StreamType);
            Assert.Equal(hasId ? id : 0, reader.Id);
        }
    }
}
