using System.Net.Security;

namespace SharpQuic.Cli.Common;

/// <summary>The client's TLS and transport choices shared by <c>get</c> and <c>perf client</c>: group, cipher, version, validation.</summary>
internal static class ClientSecurity
{
    /// <summary>The <c>--cipher</c> names.</summary>
    public const string CipherNames = "aes128|aes256|chacha20";

    /// <summary>Maps a <c>--cipher</c> name to its TLS 1.3 suite (RFC 9001 §5.3 allows these three).</summary>
    public static bool TryParseCipher(string name, out TlsCipherSuite suite)
    {
        switch (name.ToLowerInvariant())
        {
            case "aes128" or "aes-128-gcm" or "tls_aes_128_gcm_sha256":
                suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
                return true;
            case "aes256" or "aes-256-gcm" or "tls_aes_256_gcm_sha384":
                suite = TlsCipherSuite.TLS_AES_256_GCM_SHA384;
                return true;
            case "chacha20" or "chacha20-poly1305" or "tls_chacha20_poly1305_sha256":
                suite = TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256;
                return true;
            default:
                suite = default;
                return false;
        }
    }

    /// <summary>
    /// Applies <c>--group</c> and <c>--cipher</c> to <paramref name="options"/>; returns an error message
    /// for a cipher name it does not know (group names are checked by the library when connecting).
    /// </summary>
    public static string? Apply(QuicClientConnectionOptions options, string? group, string? cipher)
    {
        if (group is not null)
        {
            options.KeyExchangeGroups = [group];
        }

        if (cipher is not null)
        {
            if (!TryParseCipher(cipher, out TlsCipherSuite suite))
            {
                return $"unknown cipher '{cipher}' (expected {CipherNames})";
            }

            if (OperatingSystem.IsWindows())
            {
                return "--cipher is not supported on Windows (CipherSuitesPolicy is unavailable there)";
            }

            options.ClientAuthenticationOptions.CipherSuitesPolicy = new CipherSuitesPolicy([suite]);
        }

        return null;
    }

    /// <summary>A short name for a negotiated suite.</summary>
    public static string Describe(TlsCipherSuite suite) => suite switch
    {
        TlsCipherSuite.TLS_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        TlsCipherSuite.TLS_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        _ => suite.ToString(),
    };

    /// <summary>Names a negotiated QUIC version (<see cref="QuicConnection.NegotiatedQuicVersion"/>: 1 or 2).</summary>
    public static string DescribeVersion(int version) => $"v{version}";

    /// <summary>Names an error for the user: the message, and the QUIC error code when there is one.</summary>
    public static string Describe(Exception e) => e switch
    {
        QuicException q when q.ApplicationErrorCode is long app => $"{q.Message} (QUIC {q.QuicError}, application code {app})",
        QuicException q when q.TransportErrorCode is long transport => $"{q.Message} (QUIC {q.QuicError}, transport code 0x{transport:x})",
        QuicException q => $"{q.Message} (QUIC {q.QuicError})",
        _ => e.Message,
    };
}
