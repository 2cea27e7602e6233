using System.Buffers.Binary;
using System.Text;
using SharpQuic.QPack;

namespace SharpQuic.QPack.Tests;

/// <summary>Readers for the QPACK offline-interop formats (tests/vectors/qpack/README.md).</summary>
internal static class Interop
{
    public static string VectorsRoot => Path.Combine(AppContext.BaseDirectory, "vectors", "qpack");

    /// <summary>A QIF file: header blocks separated by blank lines, "name\tvalue" lines, '#' comments.</summary>
    public static List<List<(string Name, string Value)>> ReadQif(string path)
    {
        var blocks = new List<List<(string, string)>>();
        List<(string, string)>? current = null;
        foreach (string raw in File.ReadAllLines(path))
        {
            if (raw.StartsWith('#'))
            {
                continue;
            }

            if (raw.Length == 0)
            {
                if (current != null)
                {
                    blocks.Add(current);
                    current = null;
                }

                continue;
            }

            int tab = raw.IndexOf('\t', StringComparison.Ordinal);
            Assert.True(tab > 0, $"bad qif line: {raw}");
            (current ??= []).Add((raw[..tab], raw[(tab + 1)..]));
        }

        if (current != null)
        {
            blocks.Add(current);
        }

        return blocks;
    }

    /// <summary>Records of an encoded file: 8-byte stream id, 4-byte length, data (big-endian).</summary>
    public static List<(long StreamId, byte[] Data)> ReadEncoded(string path)
    {
        byte[] all = File.ReadAllBytes(path);
        var records = new List<(long, byte[])>();
        int pos = 0;
        while (pos < all.Length)
        {
            Assert.True(all.Length - pos >= 12, "truncated record header");
            long id = (long)BinaryPrimitives.ReadUInt64BigEndian(all.AsSpan(pos));
            int len = (int)BinaryPrimitives.ReadUInt32BigEndian(all.AsSpan(pos + 8));
            pos += 12;
            Assert.True(all.Length - pos >= len, "truncated record");
            records.Add((id, all.AsSpan(pos, len).ToArray()));
            pos += len;
        }

        return records;
    }

    public static List<(string Name, string Value)> ToStrings(QPackFieldList fields)
    {
        var list = new List<(string, string)>(fields.Count);
        for (int i = 0; i < fields.Count; i++)
        {
            list.Add((Encoding.Latin1.GetString(fields.GetName(i)), Encoding.Latin1.GetString(fields.GetValue(i))));
        }

        return list;
    }

    public static QPackFieldList ToFieldList(List<(string Name, string Value)> block, bool sensitive = false)
    {
        var fields = new QPackFieldList();
        foreach ((string name, string value) in block)
        {
            bool neverIndexed = sensitive && (name == "authorization" || name == "cookie" || name == "set-cookie");
            fields.Add(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value), neverIndexed);
        }

        return fields;
    }

    /// <summary>Feeds a decoder with records in file order; returns the sections in the order they were decoded.</summary>
    public static List<(long StreamId, List<(string, string)> Fields)> Decode(QPackDecoder decoder, List<(long StreamId, byte[] Data)> records)
    {
        var result = new List<(long, List<(string, string)>)>();
        var fields = new QPackFieldList();
        byte[] decoderStream = new byte[4096];
        foreach ((long streamId, byte[] data) in records)
        {
            if (streamId == 0)
            {
                Assert.Equal(QPackError.None, decoder.OnEncoderStreamData(data));
                while (decoder.TryDecodeUnblocked(fields, out long unblocked, out FieldSectionStatus st, out QPackError err))
                {
                    Assert.Equal(FieldSectionStatus.Decoded, st);
                    Assert.Equal(QPackError.None, err);
                    result.Add((unblocked, ToStrings(fields)));
                    fields.Clear();
                }
            }
            else
            {
                FieldSectionStatus status = decoder.DecodeFieldSection(streamId, data, fields, out QPackError error);
                Assert.Equal(QPackError.None, error);
                Assert.NotEqual(FieldSectionStatus.Failed, status);
                if (status == FieldSectionStatus.Decoded)
                {
                    result.Add((streamId, ToStrings(fields)));
                    fields.Clear();
                }
            }

            decoder.DrainDecoderStream(decoderStream);
        }

        Assert.Equal(0, decoder.BlockedStreamCount);
        return result;
    }
}
