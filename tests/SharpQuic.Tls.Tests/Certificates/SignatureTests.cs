using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Messages;
using CertificateRequest = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace SharpQuic.Tls.Tests.Certificates;

/// <summary>CertificateVerify content, signing and verification (RFC 8446bis §4.4.3, §4.2.3).</summary>
public sealed class SignatureTests
{
    private static readonly SignatureScheme[] AllSchemes =
    [
        SignatureScheme.EcdsaSecp256r1Sha256,
        SignatureScheme.EcdsaSecp384r1Sha384,
        SignatureScheme.EcdsaSecp521r1Sha512,
        SignatureScheme.RsaPssRsaeSha256,
        SignatureScheme.RsaPssRsaeSha384,
        SignatureScheme.RsaPssRsaeSha512,
        SignatureScheme.RsaPkcs1Sha256,
    ];

    [Fact]
    public void ContentMatchesSpecExample()
    {
        // §4.4.3: a server CertificateVerify over a transcript hash of 32 bytes of 01.
        byte[] expected = Convert.FromHexString(
            "2020202020202020202020202020202020202020202020202020202020202020" +
            "2020202020202020202020202020202020202020202020202020202020202020" +
            "544c5320312e332c207365727665722043657274696669636174655665726966" +
            "79" +
            "00" +
            "0101010101010101010101010101010101010101010101010101010101010101");
        byte[] hash = Enumerable.Repeat((byte)1, 32).ToArray();
        Span<byte> content = stackalloc byte[CertificateVerifyContent.MaxLength];
        int length = CertificateVerifyContent.Build(CertificateRole.Server, hash, content);
        Assert.Equal(expected, content[..length].ToArray());
        Assert.Equal(expected.Length, CertificateVerifyContent.GetLength(32));
    }

    [Fact]
    public void ClientContentDiffersOnlyInTheContextString()
    {
        byte[] hash = RandomNumberGenerator.GetBytes(48);
        byte[] server = new byte[CertificateVerifyContent.GetLength(48)];
        byte[] client = new byte[server.Length];
        CertificateVerifyContent.Build(CertificateRole.Server, hash, server);
        CertificateVerifyContent.Build(CertificateRole.Client, hash, client);
        Assert.Equal("TLS 1.3, client CertificateVerify"u8.ToArray(), client[64..97]);
        Assert.Equal(0, client[97]);
        Assert.Equal(hash, client[98..]);
        Assert.Equal(server[..73], client[..73]);
        Assert.NotEqual(server[73], client[73]);
    }

    [Fact]
    public void ContentRejectsASmallDestination()
    {
        byte[] hash = new byte[32];
        Assert.Throws<ArgumentException>(() => CertificateVerifyContent.Build(CertificateRole.Server, hash, new byte[129]));
    }

    [Theory]
    [InlineData(KeyKind.P256, SignatureScheme.EcdsaSecp256r1Sha256)]
    [InlineData(KeyKind.P384, SignatureScheme.EcdsaSecp384r1Sha384)]
    [InlineData(KeyKind.P521, SignatureScheme.EcdsaSecp521r1Sha512)]
    [InlineData(KeyKind.Rsa2048, SignatureScheme.RsaPssRsaeSha256)]
    [InlineData(KeyKind.Rsa2048, SignatureScheme.RsaPssRsaeSha384)]
    [InlineData(KeyKind.Rsa2048, SignatureScheme.RsaPssRsaeSha512)]
    public void SignThenVerifyRoundTrips(KeyKind kind, SignatureScheme scheme)
    {
        using X509Certificate2 cert = TestPki.CreateSelfSigned(kind);
        Assert.True(CertificateSigner.TryCreate(cert, out CertificateSigner? signer));
        using (signer)
        {
            foreach (CertificateRole role in new[] { CertificateRole.Server, CertificateRole.Client })
            {
                byte[] hash = RandomNumberGenerator.GetBytes(scheme is SignatureScheme.EcdsaSecp256r1Sha256 ? 32 : 48);
                Assert.True(signer!.TryCreateCertificateVerify([scheme], role, hash, out CertificateVerify? cv, out _));
                Assert.Equal(scheme, cv!.Algorithm);

                // Through the wire codec, as the peer would see it.
                Assert.True(CertificateVerify.TryParse(cv.Encode().AsSpan(4), out CertificateVerify? parsed, out _));
                Assert.True(CertificateVerifier.TryVerify(cert, parsed!, AllSchemes, role, hash, out TlsAlert alert), alert.ToString());

                // The other role's context must not verify (§4.4.3 context separation).
                CertificateRole other = role == CertificateRole.Server ? CertificateRole.Client : CertificateRole.Server;
                Assert.False(CertificateVerifier.TryVerify(cert, parsed!, AllSchemes, other, hash, out alert));
                Assert.Equal(TlsAlert.DecryptError, alert);
            }
        }
    }

    [Theory]
    [InlineData(KeyKind.P256, 30)]
    [InlineData(KeyKind.P384, 40)]
    [InlineData(KeyKind.Rsa2048, 0)]
    [InlineData(KeyKind.Rsa2048, 255)]
    public void FlippedSignatureBitIsDecryptError(KeyKind kind, int index)
    {
        (X509Certificate2 cert, CertificateVerify cv, byte[] hash) = Sign(kind);
        using (cert)
        {
            byte[] bad = (byte[])cv.Signature.Clone();
            bad[Math.Min(index, bad.Length - 1)] ^= 0x01;
            Assert.False(CertificateVerifier.TryVerify(cert, cv.Algorithm, bad, AllSchemes, CertificateRole.Server, hash, out TlsAlert alert));
            Assert.Equal(TlsAlert.DecryptError, alert);
        }
    }

    [Theory]
    [InlineData(KeyKind.P256)]
    [InlineData(KeyKind.P521)]
    [InlineData(KeyKind.Rsa2048)]
    public void FlippedTranscriptBitIsDecryptError(KeyKind kind)
    {
        (X509Certificate2 cert, CertificateVerify cv, byte[] hash) = Sign(kind);
        using (cert)
        {
            hash[^1] ^= 0x80;
            Assert.False(CertificateVerifier.TryVerify(cert, cv, AllSchemes, CertificateRole.Server, hash, out TlsAlert alert));
            Assert.Equal(TlsAlert.DecryptError, alert);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("3006020101020101ff")] // trailing byte
    [InlineData("3006020100020100")] // r = s = 0
    [InlineData("30ffffffff020101020101")] // absurd length
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")] // IEEE P1363, not DER
    public void MalformedEcdsaSignatureIsDecryptError(string hex)
    {
        (X509Certificate2 cert, CertificateVerify cv, byte[] hash) = Sign(KeyKind.P256);
        using (cert)
        {
            Assert.False(CertificateVerifier.TryVerify(cert, cv.Algorithm, Convert.FromHexString(hex), AllSchemes, CertificateRole.Server, hash, out TlsAlert alert));
            Assert.Equal(TlsAlert.DecryptError, alert);
        }
    }

    [Fact]
    public void TruncatedRsaSignatureIsDecryptError()
    {
        (X509Certificate2 cert, CertificateVerify cv, byte[] hash) = Sign(KeyKind.Rsa2048);
        using (cert)
        {
            Assert.False(CertificateVerifier.TryVerify(cert, cv.Algorithm, cv.Signature.AsSpan(1), AllSchemes, CertificateRole.Server, hash, out TlsAlert alert));
            Assert.Equal(TlsAlert.DecryptError, alert);
        }
    }

    [Fact]
    public void EcdsaSignatureIsOneDerSequenceOfTwoIntegers()
    {
        (X509Certificate2 cert, CertificateVerify cv, _) = Sign(KeyKind.P384);
        using (cert)
        {
            var reader = new AsnReader(cv.Signature, AsnEncodingRules.DER);
            AsnReader sequence = reader.ReadSequence();
            Assert.False(reader.HasData);
            sequence.ReadInteger();
            sequence.ReadInteger();
            Assert.False(sequence.HasData);
        }
    }

    [Fact]
    public void RsaSignatureIsPssWithSaltOfHashLength()
    {
        // Checked by an independent verifier: the BCL's PSS (salt = hash length) over our content; PKCS#1 must fail.
        (X509Certificate2 cert, CertificateVerify cv, byte[] hash) = Sign(KeyKind.Rsa2048);
        using (cert)
        using (RSA rsa = cert.GetRSAPublicKey()!)
        {
            byte[] content = new byte[CertificateVerifyContent.GetLength(hash.Length)];
            CertificateVerifyContent.Build(CertificateRole.Server, hash, content);
            Assert.Equal(SignatureScheme.RsaPssRsaeSha256, cv.Algorithm);
            Assert.True(rsa.VerifyData(content, cv.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
            Assert.False(rsa.VerifyData(content, cv.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
    }

    [Theory]
    [InlineData(KeyKind.P256, SignatureScheme.RsaPssRsaeSha256)]
    [InlineData(KeyKind.P256, SignatureScheme.EcdsaSecp384r1Sha384)]
    [InlineData(KeyKind.P384, SignatureScheme.EcdsaSecp256r1Sha256)]
    [InlineData(KeyKind.P521, SignatureScheme.EcdsaSecp384r1Sha384)]
    [InlineData(KeyKind.Rsa2048, SignatureScheme.EcdsaSecp256r1Sha256)]
    public void SchemeThatDoesNotFitTheKeyIsIllegalParameter(KeyKind kind, SignatureScheme claimed)
    {
        (X509Certificate2 cert, CertificateVerify cv, byte[] hash) = Sign(kind);
        using (cert)
        {
            Assert.False(CertificateVerifier.TryVerify(cert, claimed, cv.Signature, AllSchemes, CertificateRole.Server, hash, out TlsAlert alert));
            Assert.Equal(TlsAlert.IllegalParameter, alert);
        }
    }

    [Fact]
    public void SchemeWeDidNotOfferIsIllegalParameter()
    {
        (X509Certificate2 cert, CertificateVerify cv, byte[] hash) = Sign(KeyKind.P256);
        using (cert)
        {
            Assert.False(CertificateVerifier.TryVerify(cert, cv, [SignatureScheme.RsaPssRsaeSha256], CertificateRole.Server, hash, out TlsAlert alert));
            Assert.Equal(TlsAlert.IllegalParameter, alert);
        }
    }

    [Fact]
    public void Pkcs1SchemeIsRefusedForCertificateVerifyEvenWhenOffered()
    {
        using X509Certificate2 cert = TestPki.CreateSelfSigned(KeyKind.Rsa2048);
        using RSA rsa = cert.GetRSAPrivateKey()!;
        byte[] hash = RandomNumberGenerator.GetBytes(32);
        byte[] content = new byte[CertificateVerifyContent.GetLength(32)];
        CertificateVerifyContent.Build(CertificateRole.Server, hash, content);
        byte[] pkcs1 = rsa.SignData(content, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        Assert.False(CertificateVerifier.TryVerify(cert, SignatureScheme.RsaPkcs1Sha256, pkcs1, AllSchemes, CertificateRole.Server, hash, out TlsAlert alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);

        // And the signer never picks it, even when it is all the peer offers.
        Assert.True(CertificateSigner.TryCreate(cert, out CertificateSigner? signer));
        using (signer)
        {
            Assert.False(signer!.TrySelectScheme([SignatureScheme.RsaPkcs1Sha256, SignatureScheme.RsaPkcs1Sha384], out _, out alert));
            Assert.Equal(TlsAlert.HandshakeFailure, alert);
        }
    }

    [Theory]
    [InlineData(KeyKind.P256, new[] { SignatureScheme.EcdsaSecp384r1Sha384, SignatureScheme.RsaPssRsaeSha256 })]
    [InlineData(KeyKind.P384, new[] { SignatureScheme.EcdsaSecp256r1Sha256, SignatureScheme.Ed25519 })]
    [InlineData(KeyKind.Rsa2048, new[] { SignatureScheme.EcdsaSecp256r1Sha256, SignatureScheme.RsaPssPssSha256 })]
    public void NoCommonSchemeIsHandshakeFailure(KeyKind kind, SignatureScheme[] peer)
    {
        using X509Certificate2 cert = TestPki.CreateSelfSigned(kind);
        Assert.True(CertificateSigner.TryCreate(cert, out CertificateSigner? signer));
        using (signer)
        {
            Assert.False(signer!.TryCreateCertificateVerify(peer, CertificateRole.Server, new byte[32], out CertificateVerify? cv, out TlsAlert alert));
            Assert.Null(cv);
            Assert.Equal(TlsAlert.HandshakeFailure, alert);
        }
    }

    [Fact]
    public void SignerUsesOurPreferenceOrderNotThePeers()
    {
        using X509Certificate2 cert = TestPki.CreateSelfSigned(KeyKind.Rsa2048);
        Assert.True(CertificateSigner.TryCreate(cert, out CertificateSigner? signer));
        using (signer)
        {
            Assert.True(signer!.TrySelectScheme([SignatureScheme.RsaPssRsaeSha512, SignatureScheme.RsaPssRsaeSha384, SignatureScheme.RsaPssRsaeSha256], out SignatureScheme scheme, out _));
            Assert.Equal(SignatureScheme.RsaPssRsaeSha256, scheme);
            Assert.True(signer.TrySelectScheme([SignatureScheme.EcdsaSecp256r1Sha256, SignatureScheme.RsaPssRsaeSha384], out scheme, out _));
            Assert.Equal(SignatureScheme.RsaPssRsaeSha384, scheme);
        }
    }

    [Fact]
    public void SignerRefusesAKeyTheSchemeDoesNotFit()
    {
        using X509Certificate2 cert = TestPki.CreateSelfSigned(KeyKind.P256);
        Assert.True(CertificateSigner.TryCreate(cert, out CertificateSigner? signer));
        using (signer)
        {
            Assert.False(signer!.TrySign(SignatureScheme.EcdsaSecp384r1Sha384, CertificateRole.Server, new byte[48], new byte[256], out _, out TlsAlert alert));
            Assert.Equal(TlsAlert.InternalError, alert);
        }
    }

    [Fact]
    public void SignerNeedsAPrivateKeyAndAStrongRsaKey()
    {
        using X509Certificate2 withKey = TestPki.CreateSelfSigned(KeyKind.P256);
        using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);
        Assert.False(CertificateSigner.TryCreate(publicOnly, out CertificateSigner? signer));
        Assert.Null(signer);

        using RSA weak = RSA.Create(1024);
        using X509Certificate2 weakCert = new CertificateRequest("CN=weak", weak, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)
            .CreateSelfSigned(TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1));
        Assert.False(CertificateSigner.TryCreate(weakCert, out signer));

        // The verifier refuses such a key too, with a valid PSS signature.
        byte[] hash = new byte[32];
        byte[] content = new byte[CertificateVerifyContent.GetLength(32)];
        CertificateVerifyContent.Build(CertificateRole.Server, hash, content);
        byte[] signature = weak.SignData(content, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        Assert.False(CertificateVerifier.TryVerify(weakCert, SignatureScheme.RsaPssRsaeSha256, signature, AllSchemes, CertificateRole.Server, hash, out TlsAlert alert));
        Assert.Equal(TlsAlert.InsufficientSecurity, alert);
    }

    [Fact]
    public void UnsupportedCurveIsNotASigner()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.brainpoolP256r1);
        using X509Certificate2 cert = new CertificateRequest("CN=bp", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1));
        Assert.False(CertificateSigner.TryCreate(cert, out _));

        // A brainpool key is not a P-256 key, whatever its size (§4.2.3).
        byte[] hash = new byte[32];
        byte[] content = new byte[CertificateVerifyContent.GetLength(32)];
        CertificateVerifyContent.Build(CertificateRole.Server, hash, content);
        byte[] signature = key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        Assert.False(CertificateVerifier.TryVerify(cert, SignatureScheme.EcdsaSecp256r1Sha256, signature, AllSchemes, CertificateRole.Server, hash, out TlsAlert alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
    }

    private static (X509Certificate2 Cert, CertificateVerify Cv, byte[] Hash) Sign(KeyKind kind)
    {
        X509Certificate2 cert = TestPki.CreateSelfSigned(kind);
        byte[] hash = RandomNumberGenerator.GetBytes(32);
        Assert.True(CertificateSigner.TryCreate(cert, out CertificateSigner? signer));
        using (signer)
        {
            Assert.True(signer!.TryCreateCertificateVerify(CertificateKeyInfo.VerifiableSchemes, CertificateRole.Server, hash, out CertificateVerify? cv, out _));
            return (cert, cv!, hash);
        }
    }
}
