using System.Security.Cryptography;
using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Cryptography.Tests.Kdf;

/// <summary>The length limits of RFC 8446 §7.1's HkdfLabel: label &lt;7..255&gt; with "tls13 ", context &lt;0..255&gt;.</summary>
public sealed class HkdfLabelLimitsTests
{
    private static readonly byte[] Secret = Convert.FromHexString("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");

    [Fact]
    public void Longest_label_and_context_give_the_HKDF_Expand_of_the_encoded_HkdfLabel()
    {
        byte[] label = Filled(249, 0x61);
        byte[] context = Filled(255, 0x5a);
        byte[] output = new byte[42];
        HkdfLabel.Expand(HashAlgorithmName.SHA256, Secret, label, context, output);

        // Build the structure by hand: uint16 length, then the two length-prefixed vectors.
        var info = new List<byte> { 0, 42, 255 };
        info.AddRange("tls13 "u8.ToArray());
        info.AddRange(label);
        info.Add(255);
        info.AddRange(context);
        byte[] expected = new byte[42];
        HKDF.Expand(HashAlgorithmName.SHA256, Secret, expected, info.ToArray());
        Assert.Equal(expected, output);
    }

    [Fact]
    public void Longer_label_or_context_throws()
    {
        byte[] output = new byte[16];
        Assert.Throws<ArgumentException>(() => HkdfLabel.Expand(HashAlgorithmName.SHA256, Secret, new byte[250], default, output));
        Assert.Throws<ArgumentException>(() => HkdfLabel.Expand(HashAlgorithmName.SHA256, Secret, "quic key"u8.ToArray(), new byte[256], output));
    }

    [Fact]
    public void Output_longer_than_the_HKDF_limit_throws()
    {
        // RFC 5869 §2.3: at most 255 * HashLen bytes; the uint16 length field allows more.
        Assert.ThrowsAny<ArgumentException>(() => HkdfLabel.Expand(HashAlgorithmName.SHA256, Secret, "quic key"u8.ToArray(), default, new byte[(255 * 32) + 1]));
        Assert.ThrowsAny<ArgumentException>(() => HkdfLabel.Expand(HashAlgorithmName.SHA256, Secret, "quic key"u8.ToArray(), default, new byte[ushort.MaxValue + 1]));
    }

    private static byte[] Filled(int length, byte value)
    {
        byte[] bytes = new byte[length];
        Array.Fill(bytes, value);
        return bytes;
    }
}
