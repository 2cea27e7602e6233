using SharpQuic.Cli.Inspect;

namespace SharpQuic.Cli.Tests;

public sealed class InspectCommandTests
{
    // RFC 9001 Appendix A.3: the server's Initial, protected with keys from the client's
    // original Destination Connection ID 8394c8f03e515708.
    private const string ServerInitial =
        "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a" +
        "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3" +
        "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84" +
        "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4" +
        "2158407dd074ee";

    [Fact]
    public void Decrypts_a_server_Initial_given_the_original_DCID_and_lists_its_frames()
    {
        var output = new StringWriter();
        int rc = InspectCommand.Run([ServerInitial, "--odcid", "8394c8f03e515708"], output, TextWriter.Null);
        string text = output.ToString();
        Assert.Equal(0, rc);
        Assert.Contains("packet Initial version=0x00000001 length=135 dcid=(empty) scid=f067a5502a4262b5", text);
        Assert.Contains("decrypted with the server Initial keys: packet number 1, payload 99B", text);
        Assert.Contains("ACK delay=0 ranges=[0]", text);
        Assert.Contains("CRYPTO offset=0 length=90 (ServerHello, 86B)", text);
    }

    [Fact]
    public void Without_the_original_DCID_a_server_Initial_is_reported_undecryptable()
    {
        var output = new StringWriter();
        int rc = InspectCommand.Run([ServerInitial], output, TextWriter.Null);
        Assert.Equal(1, rc);
        Assert.Contains("could not decrypt", output.ToString());
    }

    [Fact]
    public void A_corrupted_datagram_is_reported_not_thrown()
    {
        byte[] bytes = Convert.FromHexString(ServerInitial);
        bytes[60] ^= 0x40;
        var output = new StringWriter();
        int rc = InspectCommand.Run([Convert.ToHexString(bytes), "--odcid", "8394c8f03e515708"], output, TextWriter.Null);
        Assert.Equal(1, rc);
        Assert.Contains("could not decrypt", output.ToString());
    }

    [Theory]
    [InlineData("zz")]
    [InlineData("@/nonexistent/file")]
    public void Bad_arguments_exit_with_2(string argument)
    {
        var error = new StringWriter();
        Assert.Equal(2, InspectCommand.Run([argument], TextWriter.Null, error));
        Assert.StartsWith("sharpquic inspect:", error.ToString());
    }

    [Fact]
    public void Reads_a_raw_datagram_from_a_file()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, Convert.FromHexString(ServerInitial));
            var output = new StringWriter();
            Assert.Equal(0, InspectCommand.Run(["@" + path, "--odcid", "8394c8f03e515708"], output, TextWriter.Null));
            Assert.Contains("ServerHello", output.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
