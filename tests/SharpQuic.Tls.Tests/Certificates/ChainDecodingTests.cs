using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Messages;

namespace SharpQuic.Tls.Tests.Certificates;

/// <summary>Certificate message → <see cref="CertificateChain"/>: limits and malformed cert_data (RFC 8446bis §4.4.2).</summary>
public sealed class ChainDecodingTests
{
    private static Certificate WireMessage(params byte[][] certData)
    {
        var entries = new List<CertificateEntry>();
        foreach (byte[] data in certData)
        {
            entries.Add(new CertificateEntry(data, new ExtensionList()));
        }

        // Through the codec, as the handshake will receive it.
        byte[] encoded = new Certificate([], entries).Encode();
        Assert.True(Certificate.TryParse(encoded.AsSpan(4), out Certificate? parsed, out _));
        return parsed!;
    }

    private static TlsAlert Refused(Certificate message, CertificateLimits? limits = null, CertificateRole sender = CertificateRole.Server, bool required = true)
    {
        Assert.False(CertificateChain.TryCreate(message, sender, required, limits, out CertificateChain? chain, out TlsAlert alert));
        Assert.Null(chain);
        return alert;
    }

    [Fact]
    public void LeafComesFirstAndTheRestAreIntermediates()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        Certificate message = WireMessage(leaf.RawData, TestPki.Intermediate.RawData);
        Assert.True(CertificateChain.TryCreate(message, CertificateRole.Server, true, null, out CertificateChain? chain, out _));
        using (chain)
        {
            Assert.False(chain!.IsEmpty);
            Assert.Equal(leaf.Thumbprint, chain.Leaf!.Thumbprint);
            X509Certificate2 intermediate = Assert.Single(chain.Intermediates);
            Assert.Equal(TestPki.Intermediate.Thumbprint, intermediate.Thumbprint);

            // Decoded chains validate like the originals.
            var options = new CertificateValidationOptions { TargetHost = "quic.example", ChainPolicy = TestPki.TrustPolicy(TestPki.Root) };
            using CertificateValidationResult result = new CertificateValidator(options).Validate(chain);
            Assert.True(result.IsAccepted);
        }
    }

    [Fact]
    public void EmptyServerChainIsDecodeError()
    {
        Assert.Equal(TlsAlert.DecodeError, Refused(WireMessage(), sender: CertificateRole.Server));
    }

    [Fact]
    public void EmptyClientChainDependsOnWhetherOneIsRequired()
    {
        Assert.Equal(TlsAlert.CertificateRequired, Refused(WireMessage(), sender: CertificateRole.Client, required: true));
        Assert.True(CertificateChain.TryCreate(WireMessage(), CertificateRole.Client, false, null, out CertificateChain? chain, out _));
        using (chain)
        {
            Assert.True(chain!.IsEmpty);
            Assert.Empty(chain.Intermediates);
        }
    }

    [Fact]
    public void MalformedCertDataIsBadCertificate()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf();
        byte[] der = leaf.RawData;
        byte[][] bad =
        [
            [0x01],
            [0x30, 0x00],
            der[..^1],
            [.. der, 0x00],
            Encoding.ASCII.GetBytes(leaf.ExportCertificatePem()),
            [0x31, .. der[1..]],
            [0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        ];
        foreach (byte[] data in bad)
        {
            Assert.Equal(TlsAlert.BadCertificate, Refused(WireMessage(data)));
        }

        // A bad intermediate spoils the chain too.
        Assert.Equal(TlsAlert.BadCertificate, Refused(WireMessage(der, der[..100])));
    }

    [Fact]
    public void TooManyCertificatesAreRefused()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf();
        byte[][] eleven = Enumerable.Repeat(leaf.RawData, 11).ToArray();
        Assert.Equal(TlsAlert.BadCertificate, Refused(WireMessage(eleven)));

        byte[][] ten = Enumerable.Repeat(leaf.RawData, 10).ToArray();
        Assert.True(CertificateChain.TryCreate(WireMessage(ten), CertificateRole.Server, true, null, out CertificateChain? chain, out _));
        chain!.Dispose();

        var limits = new CertificateLimits { MaxCertificates = 2 };
        Assert.Equal(TlsAlert.BadCertificate, Refused(WireMessage(leaf.RawData, leaf.RawData, leaf.RawData), limits));
    }

    [Fact]
    public void TooManyBytesAreRefusedBeforeDecoding()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf();
        var limits = new CertificateLimits { MaxTotalBytes = (2 * leaf.RawData.Length) - 1 };
        Assert.Equal(TlsAlert.BadCertificate, Refused(WireMessage(leaf.RawData, leaf.RawData), limits));

        // The default 64 KiB: one 70,000-byte blob is refused as too large, not as malformed DER.
        byte[] huge = new byte[70_000];
        huge[0] = 0x30;
        var noDerCheck = new CertificateLimits { MaxTotalBytes = 100_000 };
        Assert.Equal(TlsAlert.BadCertificate, Refused(WireMessage(huge)));
        Assert.Equal(TlsAlert.BadCertificate, Refused(WireMessage(huge), noDerCheck));
        Assert.Equal(64 * 1024, CertificateLimits.Default.MaxTotalBytes);
        Assert.Equal(10, CertificateLimits.Default.MaxCertificates);
    }

    [Fact]
    public void OwnedCertificatesAreDisposedWithTheChain()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf();
        Assert.True(CertificateChain.TryCreate(WireMessage(leaf.RawData), CertificateRole.Server, true, null, out CertificateChain? chain, out _));
        X509Certificate2 loaded = chain!.Leaf!;
        chain.Dispose();
        Assert.Throws<CryptographicException>(() => loaded.Thumbprint);

        // A chain over the caller's certificates leaves them alone.
        CertificateChain.FromCertificates(leaf).Dispose();
        Assert.NotEmpty(leaf.Thumbprint);
    }
}
