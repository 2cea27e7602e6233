namespace SharpQuic.Http3.Tests.Server;

public sealed class PercentDecoderTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a%20b", "a b")]
    [InlineData("a+b", "a+b")] // '+' is not a space in a path
    [InlineData("%2F%2f", "//")]
    [InlineData("caf%C3%A9", "caf\u00e9")]
    [InlineData("%F0%9F%98%80", "\U0001F600")]
    [InlineData("\U0001F600x", "\U0001F600x")]
    [InlineData("%", "%")]
    [InlineData("%4", "%4")]
    [InlineData("%zz%41", "%zzA")]
    [InlineData("%C3", "\ufffd")]
    [InlineData("%C3%28", "\ufffd(")]
    [InlineData("%E2%82", "\ufffd")]
    [InlineData("%E0\u0800", "\ufffd\u0800")]
    [InlineData("%252e", "%2e")] // decoded once only
    public void Decodes_into_a_buffer_no_longer_than_the_input(string raw, string expected)
    {
        char[] destination = new char[raw.Length];
        byte[] scratch = new byte[PercentDecoder.ScratchBytes(raw.Length)];
        int written = PercentDecoder.Decode(raw, destination, scratch);
        Assert.Equal(expected, new string(destination, 0, written));
        Assert.Equal(expected, PercentDecoder.DecodeToString(raw));
    }

    [Fact]
    public void Random_input_never_overflows_the_buffers()
    {
        var random = new Random(7);
        const string alphabet = "%0123456789abcdefABCDEF/+ \u00e9\u0800\ud83d\ude00\ud800";
        for (int i = 0; i < 5000; i++)
        {
            char[] raw = new char[random.Next(0, 40)];
            for (int j = 0; j < raw.Length; j++)
            {
                raw[j] = alphabet[random.Next(alphabet.Length)];
            }

            char[] destination = new char[raw.Length];
            byte[] scratch = new byte[PercentDecoder.ScratchBytes(raw.Length)];
            int written = PercentDecoder.Decode(raw, destination, scratch);
            Assert.InRange(written, 0, raw.Length);
        }
    }
}
