using SharpQuic.QPack;

namespace SharpQuic.QPack.Tests;

/// <summary>encoded/errors/* from the offline-interop repository, and hand-made invalid inputs.</summary>
public sealed class ErrorTests
{
    public static TheoryData<string> ErrorFiles()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.EnumerateFiles(Path.Combine(Interop.VectorsRoot, "encoded", "errors")))
        {
            string name = Path.GetFileName(f);
            if (name is not ("err9" or "err10"))
            {
                data.Add(name);
            }
        }

        return data;
    }

    [Fact]
    public void ThereAreErrorFiles() => Assert.Equal(10, ErrorFiles().Count);

    [Theory]
    [MemberData(nameof(ErrorFiles))]
    public void ErrorFileFails(string name)
    {
        var records = Interop.ReadEncoded(Path.Combine(Interop.VectorsRoot, "encoded", "errors", name));
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = 4096, MaxBlockedStreams = 100, InitialTableCapacity = 4096 });
        var fields = new QPackFieldList();
        QPackError first = QPackError.None;
        bool onEncoderStream = false;
        foreach ((long streamId, byte[] data) in records)
        {
            QPackError e;
            if (streamId == 0)
            {
                e = decoder.OnEncoderStreamData(data);
            }
            else
            {
                decoder.DecodeFieldSection(streamId, data, fields, out e);
            }

            if (e != QPackError.None && first == QPackError.None)
            {
                first = e;
                onEncoderStream = streamId == 0;
            }
        }

        Assert.Equal(onEncoderStream ? QPackError.EncoderStreamError : QPackError.DecompressionFailed, first);
        Assert.Equal(0, fields.Count);
    }

    [Theory]
    [InlineData("err9", 0, "")] // 00 00 c0: static index 0 (":authority", "")
    [InlineData("err10", 62, "1; mode=block")] // 00 00 fe: static index 62
    public void Err9AndErr10AreValidUnderRfc9204(string name, int index, string value)
    {
        // The repository lists these as errors, but each is Required Insert Count 0, Base 0 and one Indexed
        // Field Line referencing an existing static entry: well-formed under RFC 9204 §4.5.2.
        var records = Interop.ReadEncoded(Path.Combine(Interop.VectorsRoot, "encoded", "errors", name));
        var decoder = new QPackDecoder(new QPackDecoderOptions());
        var fields = new QPackFieldList();
        Assert.Single(records);
        Assert.Equal(FieldSectionStatus.Decoded, decoder.DecodeFieldSection(records[0].StreamId, records[0].Data, fields, out _));
        Assert.Equal(1, fields.Count);
        Assert.True(fields.GetName(0).SequenceEqual(StaticTable.Names[index]));
        Assert.Equal(value, System.Text.Encoding.ASCII.GetString(fields.GetValue(0)));
    }

    [Theory]
    [InlineData("")] // no prefix
    [InlineData("00")] // no Base
    [InlineData("0280")] // Required Insert Count with no dynamic table
    [InlineData("000051")] // literal without value
    [InlineData("0000d1ff")] // trailing truncated line
    [InlineData("0000ff24")] // static index 99 does not exist
    [InlineData("000080")] // dynamic reference with Base 0
    [InlineData("000010")] // post-base reference at Required Insert Count 0
    [InlineData("00002f01")] // literal name longer than the input
    [InlineData("000051bfff")] // value length beyond the input
    [InlineData("00005183ffffff")] // Huffman value with EOS
    public void InvalidSectionsFail(string hex)
    {
        var decoder = new QPackDecoder(new QPackDecoderOptions());
        var fields = new QPackFieldList();
        Assert.Equal(FieldSectionStatus.Failed, decoder.DecodeFieldSection(1, Convert.FromHexString(hex), fields, out QPackError e));
        Assert.Equal(QPackError.DecompressionFailed, e);
        Assert.Equal(0, fields.Count);

        // A connection error is final.
        Assert.Equal(FieldSectionStatus.Failed, decoder.DecodeFieldSection(2, [0, 0, 0xc1], fields, out e));
        Assert.Equal(QPackError.DecompressionFailed, e);
    }

    [Theory]
    [InlineData("3fe21f")] // capacity 4097 > max 4096
    [InlineData("01")] // duplicate of an empty table
    [InlineData("80")] // insert referencing an empty dynamic table
    [InlineData("ff2400")] // static index 99
    [InlineData("3f00" + "5f7f" + "ff")] // entry larger than capacity 31 (literal name of 127+)
    public void InvalidEncoderInstructionsFail(string hex)
    {
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = 4096 });
        byte[] bytes = Convert.FromHexString(hex);

        // Delivered one byte at a time: the result must not depend on chunking.
        QPackError e = QPackError.None;
        foreach (byte b in bytes)
        {
            e = decoder.OnEncoderStreamData([b]);
        }

        Assert.Equal(QPackError.EncoderStreamError, e);
    }

    [Fact]
    public void TooManyBlockedStreamsFail()
    {
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = 4096, MaxBlockedStreams = 1 });
        var fields = new QPackFieldList();
        Assert.Equal(FieldSectionStatus.Blocked, decoder.DecodeFieldSection(4, [0x02, 0x00, 0x80], fields, out _));
        Assert.Equal(FieldSectionStatus.Failed, decoder.DecodeFieldSection(8, [0x02, 0x00, 0x80], fields, out QPackError e));
        Assert.Equal(QPackError.DecompressionFailed, e);
    }

    [Fact]
    public void CancelledStreamIsUnblockedAndReported()
    {
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = 4096, MaxBlockedStreams = 1 });
        var fields = new QPackFieldList();
        Assert.Equal(FieldSectionStatus.Blocked, decoder.DecodeFieldSection(4, [0x02, 0x00, 0x80], fields, out _));
        decoder.CancelStream(4);
        Assert.Equal(0, decoder.BlockedStreamCount);
        byte[] out1 = new byte[8];
        Assert.Equal(1, decoder.DrainDecoderStream(out1));
        Assert.Equal(0x44, out1[0]); // Stream Cancellation, stream 4 (RFC 9204 §4.4.2)
    }

    [Fact]
    public void FieldSectionSizeLimitIsEnforced()
    {
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxFieldSectionSize = 100 });
        var fields = new QPackFieldList();
        byte[] section = [0, 0, 0xd1, 0xd1, 0xd1]; // three ":method GET" lines: 3 * (7 + 3 + 32) = 126
        Assert.Equal(FieldSectionStatus.Failed, decoder.DecodeFieldSection(1, section, fields, out QPackError e));
        Assert.Equal(QPackError.DecompressionFailed, e);
        decoder = new QPackDecoder(new QPackDecoderOptions { MaxFieldSectionSize = 126 });
        Assert.Equal(FieldSectionStatus.Decoded, decoder.DecodeFieldSection(1, section, fields, out _));
        Assert.Equal(126, fields.FieldSectionSize);
    }
}
