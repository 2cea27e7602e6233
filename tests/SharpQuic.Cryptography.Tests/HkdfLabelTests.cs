using System.Security.Cryptography;
using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Cryptography.Tests;

public sealed class HkdfLabelTests
{
    // RFC 9001 Appendix A.1: keys derived from the client's Destination Connection ID 0x8394c8f03e515708.
    [Fact]
    public void Derives_the_RFC9001_A1_initial_secrets()
    {
        Span<byte> client = stackalloc byte[32];
        Span<byte> server = stackalloc byte[32];
        InitialSecrets.Derive(QuicKeyLabels.V1, Convert.FromHexString("8394c8f03e515708"), client, server);
        Assert.Equal("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", Convert.ToHexStringLower(client));
        Assert.Equal("3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b", Convert.ToHexStringLower(server));

        Span<byte> key = stackalloc byte[16];
        HkdfLabel.Expand(HashAlgorithmName.SHA256, client, "quic key"u8, default, key);
        Assert.Equal("1f369613dd76d5467730efcbe3b1a22d", Convert.ToHexStringLower(key));
    }
}
