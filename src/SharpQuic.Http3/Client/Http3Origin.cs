using System.Globalization;
using System.Net.Sockets;

namespace SharpQuic.Http3;

/// <summary>
/// Where a request goes: an https host (a DNS name in its IDN form, or an IP literal without brackets) and port.
/// Connections are pooled per origin (RFC 9114 §3.3).
/// </summary>
internal readonly record struct Http3Origin(string Host, int Port)
{
    /// <summary>The port of https when the URI names none.</summary>
    public const int DefaultPort = 443;

    /// <summary>
    /// The origin of an absolute https URI. Returns false for any other scheme, a relative URI, or a URI with no host;
    /// the port defaults to 443.
    /// </summary>
    public static bool TryCreate(Uri? uri, out Http3Origin origin)
    {
        origin = default;
        if (uri is null || !uri.IsAbsoluteUri || !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // DnsSafeHost keeps an IPv6 zone ("fe80::1%eth0", RFC 6874) needed to connect; it is left out of :authority.
        string host = uri.HostNameType == UriHostNameType.IPv6 ? Uri.UnescapeDataString(uri.DnsSafeHost.Trim('[', ']')) : uri.IdnHost;
        if (host.Length == 0)
        {
            return false;
        }

        origin = new Http3Origin(host.ToLowerInvariant(), uri.Port < 0 ? DefaultPort : uri.Port);
        return true;
    }

    /// <summary>Whether <see cref="Host"/> is an IPv6 literal (and needs brackets in an authority).</summary>
    public bool IsIPv6 => Host.Contains(':', StringComparison.Ordinal) && System.Net.IPAddress.TryParse(Host, out System.Net.IPAddress? address)
        && address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>
    /// The :authority of a request to this origin (RFC 9114 §4.3.1, RFC 3986 §3.2): host, brackets around an IPv6
    /// literal, and the port unless it is 443. Never userinfo.
    /// </summary>
    public string Authority
    {
        get
        {
            string host = IsIPv6 ? "[" + StripZone(Host) + "]" : Host;
            return Port == DefaultPort ? host : host + ":" + Port.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Authority;

    private static string StripZone(string address)
    {
        int percent = address.IndexOf('%', StringComparison.Ordinal);
        return percent < 0 ? address : address[..percent];
    }
}
