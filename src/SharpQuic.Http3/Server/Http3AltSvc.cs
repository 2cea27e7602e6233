using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SharpQuic.Http3;

/// <summary>
/// Builds an alt-svc field value (RFC 7838 §3) advertising HTTP/3 ("h3", RFC 9114 §3.1.1), for a
/// TCP (HTTP/1.1, HTTP/2) server to send so clients can switch to QUIC.
/// </summary>
public static class Http3AltSvc
{
    /// <summary>HTTP/3 on <paramref name="port"/> of the same host: <c>h3=":4433"; ma=86400</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The port is not 1–65535 or the max age is negative.</exception>
    public static string Format(int port, TimeSpan maxAge) => Format(string.Empty, port, maxAge);

    /// <summary>HTTP/3 on <paramref name="host"/>:<paramref name="port"/>: <c>h3="alt.example.com:443"; ma=86400</c>.
    /// An IPv6 address is bracketed; an empty host means the same host.</summary>
    /// <exception cref="ArgumentException">The host holds characters that cannot appear in a uri-host.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The port is not 1–65535 or the max age is negative.</exception>
    public static string Format(string host, int port, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAge, TimeSpan.Zero);

        // RFC 7838 §3: alt-authority = quoted-string holding uri-host ":" port (RFC 3986 §3.2.2).
        if (host.Contains(':', StringComparison.Ordinal) && host[0] != '['
            && IPAddress.TryParse(host, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            host = "[" + host + "]";
        }

        foreach (char c in host)
        {
            // Only what a reg-name or IP literal can hold; in particular never '"', '\\' or controls.
            if (!char.IsAsciiLetterOrDigit(c) && "-._~!$&'()*+,;=:[]%".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                throw new ArgumentException($"'{host}' is not a valid host for alt-svc.", nameof(host));
            }
        }

        // ma is delta-seconds (RFC 7838 §3.1); fractions are dropped.
        long seconds = (long)Math.Floor(maxAge.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"h3=\"{host}:{port}\"; ma={seconds}");
    }
}
