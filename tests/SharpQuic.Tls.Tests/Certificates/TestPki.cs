using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Tls.Tests.Certificates;

public enum KeyKind
{
    P256,
    P384,
    P521,
    Rsa2048,
}

/// <summary>Certificates made at test time: root CA → intermediate CA → leaves, plus an unrelated root.</summary>
internal static class TestPki
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private static readonly Lazy<RSA> s_rsaKey = new(() => RSA.Create(2048));
    private static readonly Lazy<(X509Certificate2 Root, X509Certificate2 Intermediate)> s_ca = new(CreateCas);
    private static readonly Lazy<X509Certificate2> s_otherRoot = new(() => CreateCa("SharpQuic Other Root", null));

    public static DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public static X509Certificate2 Root => s_ca.Value.Root;

    public static X509Certificate2 Intermediate => s_ca.Value.Intermediate;

    public static X509Certificate2 OtherRoot => s_otherRoot.Value;

    /// <summary>A leaf signed by <paramref name="issuer"/> (the intermediate by default), with its private key.</summary>
    public static X509Certificate2 CreateLeaf(
        KeyKind kind = KeyKind.P256,
        string[]? dnsNames = null,
        IPAddress[]? ipAddresses = null,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null,
        string eku = ServerAuth,
        string subject = "CN=leaf",
        X509Certificate2? issuer = null)
    {
        issuer ??= Intermediate;
        ECDsa? ecKey = kind == KeyKind.Rsa2048 ? null : CreateEcKey(kind);
        CertificateRequest request = ecKey is null
            ? new CertificateRequest(subject, s_rsaKey.Value, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, ecKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        if (dnsNames is not null || ipAddresses is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (string name in dnsNames ?? [])
            {
                san.AddDnsName(name);
            }

            foreach (IPAddress ip in ipAddresses ?? [])
            {
                san.AddIpAddress(ip);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        // The generator overload lets an ECDSA CA sign an RSA leaf.
        using ECDsa issuerKey = issuer.GetECDsaPrivateKey()!;
        using X509Certificate2 publicOnly = request.Create(
            issuer.SubjectName,
            X509SignatureGenerator.CreateForECDsa(issuerKey),
            notBefore ?? Now.AddDays(-1),
            notAfter ?? Now.AddDays(30),
            RandomNumberGenerator.GetBytes(12));
        return ecKey is null ? publicOnly.CopyWithPrivateKey(s_rsaKey.Value) : publicOnly.CopyWithPrivateKey(ecKey);
    }

    /// <summary>A self-signed certificate with <paramref name="kind"/>'s key (for signer/verifier tests).</summary>
    public static X509Certificate2 CreateSelfSigned(KeyKind kind)
    {
        CertificateRequest request = kind == KeyKind.Rsa2048
            ? new CertificateRequest("CN=self", s_rsaKey.Value, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)
            : new CertificateRequest("CN=self", CreateEcKey(kind), HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(1));
    }

    public static X509ChainPolicy TrustPolicy(X509Certificate2 root)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(root);
        return policy;
    }

    private static ECDsa CreateEcKey(KeyKind kind) => ECDsa.Create(kind switch
    {
        KeyKind.P256 => ECCurve.NamedCurves.nistP256,
        KeyKind.P384 => ECCurve.NamedCurves.nistP384,
        _ => ECCurve.NamedCurves.nistP521,
    });

    private static (X509Certificate2, X509Certificate2) CreateCas()
    {
        X509Certificate2 root = CreateCa("SharpQuic Test Root", null);
        X509Certificate2 intermediate = CreateCa("SharpQuic Test Intermediate", root);
        return (root, intermediate);
    }

    private static X509Certificate2 CreateCa(string name, X509Certificate2? issuer)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(Now.AddYears(-1), Now.AddYears(5));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using X509Certificate2 publicOnly = request.Create(issuer, Now.AddDays(-300), Now.AddYears(4), RandomNumberGenerator.GetBytes(12));
        return publicOnly.CopyWithPrivateKey(key);
    }
}
