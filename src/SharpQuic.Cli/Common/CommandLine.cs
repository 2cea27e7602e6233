using System.Globalization;
using System.Net;

namespace SharpQuic.Cli.Common;

/// <summary>
/// The arguments of one subcommand: positionals, <c>--name value</c> options and <c>--flag</c> switches.
/// Which names take a value is declared up front, so a typo fails instead of being read as a positional.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine()
    {
    }

    /// <summary>The arguments that are not options, in order.</summary>
    public List<string> Positionals { get; } = [];

    /// <summary>
    /// Parses <paramref name="args"/>; <paramref name="valueOptions"/> take a value, <paramref name="flagOptions"/> do not.
    /// Returns null and sets <paramref name="error"/> on an unknown option, a missing value or a repeated option.
    /// </summary>
    public static CommandLine? Parse(ReadOnlySpan<string> args, string[] valueOptions, string[] flagOptions, out string? error)
    {
        var line = new CommandLine();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg.Length > 1 && arg[0] == '-' && !IsNumber(arg))
            {
                if (Array.IndexOf(flagOptions, arg) >= 0)
                {
                    line._flags.Add(arg);
                    continue;
                }

                if (Array.IndexOf(valueOptions, arg) < 0)
                {
                    error = $"unknown option '{arg}'";
                    return null;
                }

                if (i + 1 >= args.Length)
                {
                    error = $"option '{arg}' needs a value";
                    return null;
                }

                if (!line._values.TryAdd(arg, args[++i]))
                {
                    error = $"option '{arg}' given twice";
                    return null;
                }

                continue;
            }

            line.Positionals.Add(arg);
        }

        error = null;
        return line;
    }

    /// <summary>The value of an option, or null when it was not given.</summary>
    public string? Value(string name) => _values.GetValueOrDefault(name);

    /// <summary>True when the option was given (value or flag).</summary>
    public bool Has(string name) => _flags.Contains(name) || _values.ContainsKey(name);

    /// <summary>Parses <c>ADDR:PORT</c>: an IPv4 address, a bracketed IPv6 address, or a host name (resolved later).</summary>
    public static bool TryParseEndPoint(string text, out EndPoint endPoint, out string host)
    {
        endPoint = null!;
        host = "";
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > IPEndPoint.MaxPort)
        {
            return false;
        }

        string name = text[..colon];
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        host = name;
        if (IPAddress.TryParse(name, out IPAddress? address))
        {
            endPoint = new IPEndPoint(address, port);
            return true;
        }

        if (Uri.CheckHostName(name) != UriHostNameType.Dns)
        {
            return false;
        }

        endPoint = new DnsEndPoint(name, port);
        return true;
    }

    /// <summary>Parses <c>ADDR:PORT</c> for a socket to bind: an IP address, or "localhost" for 127.0.0.1.</summary>
    public static bool TryParseListenEndPoint(string text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (!TryParseEndPoint(text, out EndPoint parsed, out string host))
        {
            return false;
        }

        if (parsed is IPEndPoint ip)
        {
            endPoint = ip;
            return true;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            endPoint = new IPEndPoint(IPAddress.Loopback, ((DnsEndPoint)parsed).Port);
            return true;
        }

        return false;
    }

    /// <summary>Parses a byte count with an optional binary suffix: <c>64K</c>, <c>100M</c>, <c>1G</c>, <c>2T</c> (powers of 1024).</summary>
    public static bool TryParseBytes(string text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        int shift = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            _ => 0,
        };
        ReadOnlySpan<char> digits = shift == 0 ? text : text.AsSpan(0, text.Length - 1);
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            return false;
        }

        // Bound the product so a hostile or mistyped size cannot overflow into a negative count.
        if (value > (long.MaxValue >> shift))
        {
            return false;
        }

        bytes = value << shift;
        return true;
    }

    private static bool IsNumber(string arg) => arg.Length > 1 && char.IsAsciiDigit(arg[1]);
}
