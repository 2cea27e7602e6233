using System.Globalization;

namespace SharpQuic.Cli.Common;

/// <summary>
/// The transport choices the measuring commands share (issue 6's comparisons): congestion controller, pacing, key
/// update interval. GSO is a socket matter: <c>SHARPQUIC_GSO=0</c> turns it off, <c>SHARPQUIC_UDP=portable</c> takes
/// the portable socket.
/// </summary>
internal static class TransportFlags
{
    /// <summary>Options that take a value.</summary>
    public static readonly string[] Values = ["--cc", "--key-update"];

    /// <summary>Options without a value.</summary>
    public static readonly string[] Flags = ["--no-pacing"];

    /// <summary>The usage fragment.</summary>
    public const string Usage = "[--cc cubic|reno] [--no-pacing] [--key-update PACKETS]";

    /// <summary>Applies the flags; returns a problem to print, or null.</summary>
    public static string? Apply(QuicConnectionOptions options, CommandLine line)
    {
        switch (line.Value("--cc")?.ToUpperInvariant())
        {
            case null:
                break;
            case "CUBIC":
                options.CongestionControl = QuicCongestionControl.Cubic;
                break;
            case "RENO" or "NEWRENO":
                options.CongestionControl = QuicCongestionControl.NewReno;
                break;
            default:
                return $"--cc: '{line.Value("--cc")}' is not cubic or reno";
        }

        options.Pacing = !line.Has("--no-pacing");
        if (line.Value("--key-update") is string n)
        {
            if (!long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out long packets) || packets < 1)
            {
                return $"--key-update: '{n}' is not a number of packets";
            }

            options.KeyUpdateInterval = packets;
        }

        return null;
    }

    /// <summary>Joins option lists.</summary>
    public static string[] With(string[] own, string[] shared) => [.. own, .. shared];
}
