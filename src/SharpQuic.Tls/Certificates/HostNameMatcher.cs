using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Tls.Certificates;

/// <summary>
/// Matches a target host against a certificate's identifiers (RFC 6125 §6; RFC 9525 for the modern rules).
/// <list type="bullet">
/// <item>An IP literal (v4 dotted-quad, or v6, optionally in brackets) matches only subjectAltName iPAddress
/// entries, byte for byte; never a DNS name and never the CN.</item>
/// <item>A DNS name is compared in its ASCII (A-label) form, case-insensitively, with a trailing dot removed.</item>
/// <item>Wildcards: only a left-most label that is exactly "*", covering exactly one non-empty label, and only with
/// at least two labels after it ("*.example.com" matches "a.example.com", not "a.b.example.com", "example.com",
/// and "*.com" matches nothing). Partial-label wildcards ("f*.example.com") are refused, as browsers do.</item>
/// <item>The subject CN is used only when <c>allowCommonNameFallback</c> is set and the certificate has no SAN
/// dNSName at all. Off by default: CAs must put names in the SAN (CA/B Forum), browsers ignore the CN, and the CN
/// fallback is a source of confusion attacks.</item>
/// </list>
/// </summary>
internal static class HostNameMatcher
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string CommonNameOid = "2.5.4.3";

    private static readonly IdnMapping s_idn = new();

    /// <summary>True when <paramref name="certificate"/> is valid for <paramref name="targetHost"/>.</summary>
    public static bool Matches(X509Certificate2 certificate, string targetHost, bool allowCommonNameFallback = false)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(targetHost);
        try
        {
            if (TryParseIpLiteral(targetHost, out IPAddress? address))
            {
                return MatchesIp(certificate, address!);
            }

            if (!TryNormalizeDnsName(targetHost, out string host))
            {
                return false;
            }

            bool sawDnsName = false;
            X509SubjectAlternativeNameExtension? san = GetSubjectAltName(certificate);
            if (san is not null)
            {
                foreach (string name in san.EnumerateDnsNames())
                {
                    sawDnsName = true;
                    if (MatchesDnsPattern(name, host))
                    {
                        return true;
                    }
                }
            }

            return allowCommonNameFallback && !sawDnsName && TryGetSingleCommonName(certificate, out string? cn)
                && MatchesDnsPattern(cn!, host);
        }
        catch (CryptographicException)
        {
            // A malformed SAN or subject is not a match.
            return false;
        }
    }

    /// <summary>
    /// Strictly an IP literal: four dotted decimal parts for IPv4 (so "1" or "0x7f.1" stay DNS names, unlike
    /// <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>), or anything with ':' for IPv6, brackets allowed.
    /// </summary>
    internal static bool TryParseIpLiteral(string host, out IPAddress? address)
    {
        address = null;
        ReadOnlySpan<char> s = host;
        if (s.Length > 2 && s[0] == '[' && s[^1] == ']')
        {
            s = s[1..^1];
            return s.Contains(':') && IPAddress.TryParse(s, out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        if (s.Contains(':'))
        {
            return IPAddress.TryParse(s, out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        int dots = 0;
        foreach (char c in s)
        {
            if (c == '.')
            {
                dots++;
            }
            else if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return dots == 3 && IPAddress.TryParse(s, out address) && address.AddressFamily == AddressFamily.InterNetwork;
    }

    /// <summary>The ASCII form of a host name (IDNA to A-labels), without a trailing dot; false if it is not a
    /// valid name (empty, a wildcard, bad IDN).</summary>
    internal static bool TryNormalizeDnsName(string host, out string ascii)
    {
        ascii = string.Empty;
        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }

        if (host.Length == 0 || host.Contains('*', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            // UTS #46 maps to lower case before Punycode; IdnMapping skips that under invariant globalization, so
            // fold first ("BÜCHER" and "bücher" are the same name). ASCII names only need the ordinal compare.
            ascii = IsAscii(host) ? host : s_idn.GetAscii(host.ToLowerInvariant());
        }
        catch (ArgumentException)
        {
            return false;
        }

        return ascii.Length != 0;
    }

    /// <summary>One presented DNS identifier (from the certificate) against a normalized host (RFC 6125 §6.4).</summary>
    internal static bool MatchesDnsPattern(string pattern, string asciiHost)
    {
        if (pattern.EndsWith('.'))
        {
            pattern = pattern[..^1];
        }

        if (pattern.Length == 0 || !IsAscii(pattern))
        {
            return false;
        }

        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return !pattern.Contains('*', StringComparison.Ordinal)
                && string.Equals(pattern, asciiHost, StringComparison.OrdinalIgnoreCase);
        }

        // RFC 6125 §6.4.3: the wildcard is the whole left-most label and stands for exactly one label.
        ReadOnlySpan<char> suffix = pattern.AsSpan(1); // ".example.com"
        if (suffix.Contains('*') || suffix.Length < 4 || suffix[1..].IndexOf('.') <= 0 || suffix.EndsWith("."))
        {
            return false;
        }

        int firstDot = asciiHost.IndexOf('.', StringComparison.Ordinal);
        return firstDot > 0 && asciiHost.AsSpan(firstDot).Equals(suffix, StringComparison.OrdinalIgnoreCase);
    }

    private static bool MatchesIp(X509Certificate2 certificate, IPAddress address)
    {
        X509SubjectAlternativeNameExtension? san = GetSubjectAltName(certificate);
        if (san is null)
        {
            return false;
        }

        foreach (IPAddress presented in san.EnumerateIPAddresses())
        {
            // IPAddress.Equals also compares a v6 scope id, which the target may carry and a SAN never does.
            if (presented.AddressFamily == address.AddressFamily
                && presented.GetAddressBytes().AsSpan().SequenceEqual(address.GetAddressBytes()))
            {
                return true;
            }
        }

        return false;
    }

    private static X509SubjectAlternativeNameExtension? GetSubjectAltName(X509Certificate2 certificate)
    {
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == SubjectAltNameOid)
            {
                return extension as X509SubjectAlternativeNameExtension
                    ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
            }
        }

        return null;
    }

    private static bool TryGetSingleCommonName(X509Certificate2 certificate, out string? commonName)
    {
        commonName = null;
        foreach (X500RelativeDistinguishedName rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements || rdn.GetSingleElementType().Value != CommonNameOid)
            {
                continue;
            }

            if (commonName is not null)
            {
                // Several CNs: which one is "the" name is ambiguous, so none is used.
                commonName = null;
                return false;
            }

            commonName = rdn.GetSingleElementValue();
        }

        return commonName is not null;
    }

    private static bool IsAscii(string s)
    {
        foreach (char c in s)
        {
            if (c > 0x7F)
            {
                return false;
            }
        }

        return true;
    }
}
