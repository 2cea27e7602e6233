namespace SharpQuic.Cli.Inspect;

/// <summary><c>sharpquic inspect HEX|@FILE [--odcid HEX] [--cid-length N]</c>.</summary>
internal static class InspectCommand
{
    public const string Usage = "sharpquic inspect HEX|@FILE [--odcid HEX] [--cid-length N]";

    public static int Run(ReadOnlySpan<string> args, TextWriter output, TextWriter error)
    {
        string? input = null;
        byte[]? odcid = null;
        int cidLength = 8;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--odcid" when i + 1 < args.Length && TryHex(args[i + 1], out byte[] value):
                    odcid = value;
                    i++;
                    break;
                case "--cid-length" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n is >= 0 and <= 20:
                    cidLength = n;
                    i++;
                    break;
                default:
                    if (input is not null || args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        error.WriteLine($"sharpquic inspect: unexpected argument '{args[i]}'");
                        error.WriteLine("usage: " + Usage);
                        return 2;
                    }

                    input = args[i];
                    break;
            }
        }

        if (input is null)
        {
            error.WriteLine("usage: " + Usage);
            return 2;
        }

        if (!TryLoad(input, out byte[] datagram, out string? problem))
        {
            error.WriteLine($"sharpquic inspect: {problem}");
            return 2;
        }

        return DatagramInspector.Describe(datagram, odcid, cidLength, output) ? 0 : 1;
    }

    // A file holds either the raw datagram or its hex (whitespace allowed); the argument itself is hex.
    private static bool TryLoad(string input, out byte[] datagram, out string? problem)
    {
        problem = null;
        datagram = [];
        if (!input.StartsWith('@'))
        {
            if (TryHex(input, out datagram))
            {
                return true;
            }

            problem = "the argument is not hex (use @FILE for a file)";
            return false;
        }

        string path = input[1..];
        if (!File.Exists(path))
        {
            problem = $"no such file: {path}";
            return false;
        }

        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length > 65_535)
        {
            problem = "larger than any UDP datagram";
            return false;
        }

        datagram = TryHex(System.Text.Encoding.ASCII.GetString(bytes), out byte[] decoded) ? decoded : bytes;
        return true;
    }

    private static bool TryHex(string text, out byte[] bytes)
    {
        var compact = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                compact.Append(c);
            }
        }

        try
        {
            bytes = Convert.FromHexString(compact.ToString());
            return bytes.Length > 0;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
