using System.Buffers;
using SharpQuic.QPack;

namespace SharpQuic.QPack.Tests;

/// <summary>Our encoder against our decoder on every QIF, with acknowledgments flowing back.</summary>
public sealed class RoundTripTests
{
    public static TheoryData<string, long, int, int> Cases()
    {
        var data = new TheoryData<string, long, int, int>();
        foreach (string qif in Directory.EnumerateFiles(Path.Combine(Interop.VectorsRoot, "qifs"), "*.qif"))
        {
            foreach ((long table, int blocked) in new (long, int)[] { (0, 0), (256, 0), (256, 100), (4096, 0), (4096, 1), (4096, 100), (16384, 3) })
            {
                data.Add(Path.GetFileName(qif), table, blocked, 1);
            }

            data.Add(Path.GetFileName(qif), 4096, 2, 5); // acknowledgments delivered late
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodesAndDecodesEveryQif(string qif, long tableSize, int maxBlocked, int ackEvery)
    {
        var blocks = Interop.ReadQif(Path.Combine(Interop.VectorsRoot, "qifs", qif));
        var encoder = new QPackEncoder(tableSize, maxBlocked, tableSize);
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = tableSize, MaxBlockedStreams = maxBlocked, MaxFieldSectionSize = 1 << 20 });
        var section = new ArrayBufferWriter<byte>();
        var encoderStream = new ArrayBufferWriter<byte>();
        var decoded = new Dictionary<long, List<(string, string)>>();
        var fields = new QPackFieldList();
        byte[] decoderStream = new byte[1 << 16];
        int pendingAcks = 0;
        long totalSectionBytes = 0;
        long totalBytes = 0;

        for (int i = 0; i < blocks.Count; i++)
        {
            long streamId = 4L * i;
            section.Clear();
            encoderStream.Clear();
            encoder.EncodeFieldSection(streamId, Interop.ToFieldList(blocks[i], sensitive: true), section, encoderStream);
            totalSectionBytes += section.WrittenCount;
            totalBytes += section.WrittenCount + encoderStream.WrittenCount;
            Assert.True(encoder.BlockedStreamCount <= maxBlocked);
            Assert.True(encoder.TableSize <= tableSize);

            // The section overtakes the encoder stream, so any blocking reference really blocks.
            FieldSectionStatus status = decoder.DecodeFieldSection(streamId, section.WrittenSpan, fields, out QPackError error);
            Assert.Equal(QPackError.None, error);
            if (status == FieldSectionStatus.Decoded)
            {
                decoded.Add(streamId, Interop.ToStrings(fields));
                fields.Clear();
            }

            Assert.Equal(QPackError.None, decoder.OnEncoderStreamData(encoderStream.WrittenSpan));
            while (decoder.TryDecodeUnblocked(fields, out long unblocked, out FieldSectionStatus st, out QPackError err))
            {
                Assert.Equal(FieldSectionStatus.Decoded, st);
                Assert.Equal(QPackError.None, err);
                decoded.Add(unblocked, Interop.ToStrings(fields));
                fields.Clear();
            }

            if (++pendingAcks >= ackEvery)
            {
                int n = decoder.DrainDecoderStream(decoderStream);
                Assert.Equal(QPackError.None, encoder.OnDecoderStreamData(decoderStream.AsSpan(0, n)));
                pendingAcks = 0;
            }
        }

        Assert.Equal(blocks.Count, decoded.Count);
        for (int i = 0; i < blocks.Count; i++)
        {
            Assert.Equal(blocks[i], decoded[4L * i]);
        }

        if (tableSize >= 4096 && blocks.Count > 100)
        {
            // The dynamic table must pay off on these repetitive header lists.
            var staticOnly = new QPackEncoder(0, 0, 0);
            long staticBytes = 0;
            for (int i = 0; i < blocks.Count; i++)
            {
                section.Clear();
                encoderStream.Clear();
                staticOnly.EncodeFieldSection(4L * i, Interop.ToFieldList(blocks[i]), section, encoderStream);
                staticBytes += section.WrittenCount;
                Assert.Equal(0, encoderStream.WrittenCount);
            }

            Assert.True(totalBytes < staticBytes * 3 / 4, $"{totalBytes} vs {staticBytes} (sections {totalSectionBytes})");
        }
    }

    [Fact]
    public void SensitiveFieldsAreNeverIndexed()
    {
        var encoder = new QPackEncoder(4096, 10, 4096);
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = 4096, MaxBlockedStreams = 10 });
        var input = new QPackFieldList();
        input.Add("authorization"u8, "Bearer secret"u8, neverIndexed: true);
        input.Add("x-custom"u8, "value"u8);
        input.Add("x-custom"u8, "value"u8); // seen before: worth inserting
        input.Add("authorization"u8, "Bearer secret"u8, neverIndexed: true);
        var section = new ArrayBufferWriter<byte>();
        var encoderStream = new ArrayBufferWriter<byte>();
        encoder.EncodeFieldSection(0, input, section, encoderStream);
        Assert.Equal(1, encoder.InsertCount); // only x-custom entered the table
        Assert.Equal(-1, encoderStream.WrittenSpan.IndexOf("secret"u8));

        Assert.Equal(QPackError.None, decoder.OnEncoderStreamData(encoderStream.WrittenSpan));
        var output = new QPackFieldList();
        Assert.Equal(FieldSectionStatus.Decoded, decoder.DecodeFieldSection(0, section.WrittenSpan, output, out _));
        Assert.True(output.IsNeverIndexed(0));
        Assert.False(output.IsNeverIndexed(1));
        Assert.False(output.IsNeverIndexed(2));
        Assert.True(output.IsNeverIndexed(3));
        Assert.True(output.GetValue(0).SequenceEqual("Bearer secret"u8));
        Assert.True(output.GetValue(3).SequenceEqual("Bearer secret"u8));
        Assert.Equal(4, output.Count);
    }

    [Fact]
    public void EncoderDoesNotEvictEntriesOfUnacknowledgedSections()
    {
        // Capacity for two 67-byte entries only; no acknowledgment arrives at first.
        var encoder = new QPackEncoder(160, 100, 160);
        var section = new ArrayBufferWriter<byte>();
        var encoderStream = new ArrayBufferWriter<byte>();
        for (int i = 0; i < 5; i++)
        {
            var f = new QPackFieldList();
            byte[] value = System.Text.Encoding.ASCII.GetBytes($"value-{i}-abcdefghijklmnopqrstu");
            f.Add("x-name"u8, value);
            f.Add("x-name"u8, value); // the repeat is inserted
            encoder.EncodeFieldSection(4 * i, f, section, encoderStream);
        }

        // The first two inserts are pinned by unacknowledged sections: nothing else could be inserted.
        Assert.Equal(2, encoder.InsertCount);

        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = 160, MaxBlockedStreams = 100 });
        Assert.Equal(QPackError.None, decoder.OnEncoderStreamData(encoderStream.WrittenSpan));
        byte[] acks = new byte[64];
        decoder.CancelStream(0);
        decoder.CancelStream(4);
        int n = decoder.DrainDecoderStream(acks);
        Assert.Equal(QPackError.None, encoder.OnDecoderStreamData(acks.AsSpan(0, n)));
        Assert.Equal(2, encoder.KnownReceivedCount);

        var g = new QPackFieldList();
        g.Add("x-name"u8, "value-9-abcdefghijklmnopqrstu"u8);
        g.Add("x-name"u8, "value-9-abcdefghijklmnopqrstu"u8);
        encoder.EncodeFieldSection(40, g, section, encoderStream);
        Assert.Equal(3, encoder.InsertCount); // the released entry could be evicted
    }

    [Fact]
    public void BadDecoderStreamInstructionsAreErrors()
    {
        var encoder = new QPackEncoder(4096, 10, 4096);
        Assert.Equal(QPackError.DecoderStreamError, encoder.OnDecoderStreamData([0x84])); // ack of an unknown stream
        encoder = new QPackEncoder(4096, 10, 4096);
        Assert.Equal(QPackError.DecoderStreamError, encoder.OnDecoderStreamData([0x01])); // increment beyond inserts
        encoder = new QPackEncoder(4096, 10, 4096);
        Assert.Equal(QPackError.DecoderStreamError, encoder.OnDecoderStreamData([0x00])); // zero increment
        encoder = new QPackEncoder(4096, 10, 4096);
        Assert.Equal(QPackError.None, encoder.OnDecoderStreamData([0x7f])); // split cancellation
        Assert.Equal(QPackError.None, encoder.OnDecoderStreamData([0x81]));
        Assert.Equal(QPackError.None, encoder.OnDecoderStreamData([0x01]));
    }
}
