using System.Text;
using SharpQuic.QPack;

namespace SharpQuic.QPack.Tests;

/// <summary>Prefixed integers, string literals and the Huffman code (RFC 7541 §5, Appendix B and C).</summary>
public sealed class PrimitiveTests
{
    [Theory]
    [InlineData(10UL, 5, "0a")] // RFC 7541 §C.1.1
    [InlineData(1337UL, 5, "1f9a0a")] // §C.1.2
    [InlineData(42UL, 8, "2a")] // §C.1.3
    [InlineData(30UL, 5, "1e")]
    [InlineData(31UL, 5, "1f00")]
    [InlineData(127UL, 7, "7f00")]
    [InlineData(QPackInteger.MaxValue, 6, "3fc0ffffffffffffff3f")]
    public void IntegerRoundTrips(ulong value, int prefix, string hex)
    {
        byte[] expected = Convert.FromHexString(hex);
        Span<byte> buf = stackalloc byte[QPackInteger.MaxLength];
        int n = QPackInteger.Write(buf, value, prefix, 0);
        Assert.Equal(expected, buf[..n].ToArray());
        Assert.Equal(n, QPackInteger.GetLength(value, prefix));
        Assert.Equal(ParseStatus.Ok, QPackInteger.TryRead(expected, prefix, out ulong read, out int consumed));
        Assert.Equal(value, read);
        Assert.Equal(expected.Length, consumed);
        for (int cut = 0; cut < expected.Length; cut++)
        {
            Assert.Equal(ParseStatus.NeedMore, QPackInteger.TryRead(expected.AsSpan(0, cut), prefix, out _, out _));
        }
    }

    [Fact]
    public void IntegerRefusesValuesAbove62Bits()
    {
        Assert.Equal(ParseStatus.Invalid, QPackInteger.TryRead(Convert.FromHexString("3fc1ffffffffffffff3f"), 6, out _, out _));
        Assert.Equal(ParseStatus.Invalid, QPackInteger.TryRead(Convert.FromHexString("ffffffffffffffffffffffff01"), 8, out _, out _));
    }

    [Fact]
    public void FlagsAbovePrefixArePreserved()
    {
        Span<byte> buf = stackalloc byte[4];
        Assert.Equal(1, QPackInteger.Write(buf, 5, 4, 0x50));
        Assert.Equal(0x55, buf[0]);
    }

    [Theory]
    [InlineData("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff")] // RFC 7541 §C.4.1
    [InlineData("no-cache", "a8eb10649cbf")] // §C.4.2
    [InlineData("custom-key", "25a849e95ba97d7f")] // §C.4.3
    [InlineData("custom-value", "25a849e95bb8e8b4bf")] // §C.4.3
    [InlineData("302", "6402")] // §C.6.1
    [InlineData("private", "aec3771a4b")] // §C.6.1
    [InlineData("Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff")] // §C.6.1
    [InlineData("https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3")] // §C.6.1
    [InlineData("307", "640eff")] // §C.6.2
    [InlineData("gzip", "9bd9ab")] // §C.6.3
    [InlineData("foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1", "94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007")] // §C.6.3
    public void HuffmanMatchesRfc7541Examples(string text, string hex)
    {
        byte[] plain = Encoding.ASCII.GetBytes(text);
        byte[] expected = Convert.FromHexString(hex);
        Assert.Equal(expected.Length, Huffman.GetEncodedLength(plain));
        byte[] encoded = new byte[expected.Length];
        Assert.Equal(expected.Length, Huffman.Encode(plain, encoded));
        Assert.Equal(expected, encoded);
        byte[] decoded = new byte[expected.Length * 8 / 5];
        Assert.True(Huffman.TryDecode(expected, decoded, out int written));
        Assert.Equal(plain, decoded.AsSpan(0, written).ToArray());
    }

    [Fact]
    public void HuffmanCodeIsCompleteAndPrefixFree()
    {
        // Kraft equality: a complete prefix code has sum(2^-len) == 1.
        long sum = 0;
        for (int s = 0; s <= 256; s++)
        {
            Assert.InRange(Huffman.Lengths[s], 5, 30);
            sum += 1L << (30 - Huffman.Lengths[s]);
        }

        Assert.Equal(1L << 30, sum);
        Assert.Equal(0x3fffffffu, Huffman.Codes[256]); // EOS (RFC 7541 Appendix B)
        Assert.Equal(0x1ff8u, Huffman.Codes[0]);
        Assert.Equal(0xfffe6u, Huffman.Codes[128]);
        Assert.Equal(0x3ffffeeu, Huffman.Codes[255]);
    }

    [Fact]
    public void HuffmanRoundTripsEveryOctet()
    {
        byte[] all = new byte[512];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (byte)(i * 7);
        }

        byte[] encoded = new byte[Huffman.GetEncodedLength(all)];
        Huffman.Encode(all, encoded);
        byte[] decoded = new byte[all.Length];
        Assert.True(Huffman.TryDecode(encoded, decoded, out int written));
        Assert.Equal(all, decoded.AsSpan(0, written).ToArray());
    }

    [Theory]
    [InlineData("1f", true)] // 'a' (00011) + 3 bits of EOS padding
    [InlineData("18", false)] // padding not all ones (RFC 7541 §5.2)
    [InlineData("1fff", false)] // 11 bits of padding: more than 7
    [InlineData("ffffffff", false)] // contains EOS
    [InlineData("", true)]
    [InlineData("ff", false)] // 8 bits of padding
    public void HuffmanPaddingRules(string hex, bool valid)
    {
        byte[] input = Convert.FromHexString(hex);
        Assert.Equal(valid, Huffman.TryDecode(input, new byte[16], out _));
    }

    [Fact]
    public void StringLiteralUsesHuffmanOnlyWhenShorter()
    {
        Span<byte> buf = stackalloc byte[64];
        int n = QPackString.Write(buf, "www.example.com"u8, 7, 0);
        Assert.Equal(0x8c, buf[0]); // H=1, length 12
        Assert.Equal(13, n);
        Assert.Equal(ParseStatus.Ok, QPackString.TryReadHeader(buf[..n], 7, out bool huffman, out int length, out int consumed));
        Assert.True(huffman);
        Assert.Equal(12, length);
        Assert.Equal(1, consumed);

        n = QPackString.Write(buf, "\u00ff\u00fe"u8, 5, 0x40); // high octets get long codes: raw is shorter
        Assert.Equal(0x40 | 4, buf[0]);
        Assert.Equal(5, n);
    }

    [Fact]
    public void StaticTableHasTheAppendixAEntries()
    {
        Assert.Equal(99, StaticTable.Count);
        Assert.Equal(17, StaticTable.Find(":method"u8, "GET"u8, out bool exact));
        Assert.True(exact);
        Assert.Equal(0, StaticTable.Find(":authority"u8, "x"u8, out exact));
        Assert.False(exact);
        Assert.Equal(98, StaticTable.Find("x-frame-options"u8, "sameorigin"u8, out exact));
        Assert.True(exact);
        Assert.Equal(-1, StaticTable.Find("x-unknown"u8, ""u8, out _));
    }
}
