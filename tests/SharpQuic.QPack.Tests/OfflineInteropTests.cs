using SharpQuic.QPack;

namespace SharpQuic.QPack.Tests;

/// <summary>Decodes other encoders' outputs (QPACK offline interop) and compares with the source QIFs.</summary>
public sealed class OfflineInteropTests
{
    public static TheoryData<string> EncodedFiles()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.EnumerateFiles(Path.Combine(Interop.VectorsRoot, "encoded", "qpack-05"), "*", SearchOption.AllDirectories))
        {
            data.Add(Path.GetRelativePath(Interop.VectorsRoot, f));
        }

        return data;
    }

    [Fact]
    public void ThereAreManyEncodedFiles()
    {
        Assert.True(EncodedFiles().Count > 50);
    }

    [Theory]
    [MemberData(nameof(EncodedFiles))]
    public void DecodesToTheSourceHeaderLists(string relativePath)
    {
        string file = Path.GetFileName(relativePath);
        if (!file.Contains(".out.", StringComparison.Ordinal))
        {
            return; // draft-examples.out and examples.out.* are checked by their own tests below.
        }


        // <name>.out.<table size>.<max blocked streams>.<immediate ack>
        string[] parts = file.Split('.');
        string qif = string.Join('.', parts[..^4]);
        long tableSize = long.Parse(parts[^3], System.Globalization.CultureInfo.InvariantCulture);
        int blocked = int.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture);
        if (qif == "examples")
        {
            return;
        }

        var expected = Interop.ReadQif(Path.Combine(Interop.VectorsRoot, "qifs", qif + ".qif"));
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = tableSize, MaxBlockedStreams = blocked, MaxFieldSectionSize = 1 << 20, InitialTableCapacity = tableSize });
        var decoded = Interop.Decode(decoder, Interop.ReadEncoded(Path.Combine(Interop.VectorsRoot, relativePath)));

        Assert.Equal(expected.Count, decoded.Count);
        // Stream ids follow the QIF block order; sections may complete out of order when blocked.
        decoded.Sort((a, b) => a.StreamId.CompareTo(b.StreamId));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], decoded[i].Fields);
        }
    }

    [Fact]
    public void DecodesTheDraftExamples()
    {
        // No settings in the name: the encoder stream sets a capacity of 170, so 220 is enough.
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = 220, MaxBlockedStreams = 100 });
        var decoded = Interop.Decode(decoder, Interop.ReadEncoded(Path.Combine(Interop.VectorsRoot, "encoded", "qpack-05", "draft-examples.out")));
        var expected = Interop.ReadQif(Path.Combine(Interop.VectorsRoot, "qifs", "draft-examples.qif"));
        Assert.Equal([4L, 8L, 12L], decoded.ConvertAll(d => d.StreamId));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], decoded[i].Fields);
        }

        Assert.Equal(4, decoder.InsertCount); // the last instruction inserts custom-key=custom-value2
    }

    [Fact]
    public void DecodesTheRfc9204AppendixBExamples()
    {
        // examples.out.220.100.1 is RFC 9204 Appendix B (its QIF is not in the repository): expected lines
        // typed from the spec text. The file numbers the streams 4, 8, 12 where the RFC reuses 4 and 8.
        var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = 220, MaxBlockedStreams = 100 });
        var decoded = Interop.Decode(decoder, Interop.ReadEncoded(Path.Combine(Interop.VectorsRoot, "encoded", "qpack-05", "examples", "examples.out.220.100.1")));
        Assert.Equal(3, decoded.Count);
        Assert.Equal([4L, 8L, 12L], decoded.ConvertAll(d => d.StreamId));
        Assert.Equal([(":path", "/index.html")], decoded[0].Fields);
        Assert.Equal([(":authority", "www.example.com"), (":path", "/sample/path")], decoded[1].Fields);
        Assert.Equal([(":authority", "www.example.com"), (":path", "/"), ("custom-key", "custom-value")], decoded[2].Fields);
        Assert.Equal(5, decoder.InsertCount);
    }
}
