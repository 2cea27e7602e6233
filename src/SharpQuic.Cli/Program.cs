namespace SharpQuic.Cli;

/// <summary>The sharpquic command.</summary>
internal static class Program
{
    private const string Usage = """
        sharpquic — QUIC for .NET, in C#

        usage:
          sharpquic inspect HEX|@FILE [--odcid HEX] [--cid-length N]
                                          decode a QUIC datagram (headers; Initial packets decrypted)
          sharpquic cert --out DIR [--days N]
                                          write a development certificate (ECDSA P-256, localhost,
                                          at most 14 days) and print its SHA-256
          sharpquic version               print the version

        serve, get and perf arrive with the runtime (sockets are not in this build yet).
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        switch (args[0])
        {
            case "inspect":
                return Inspect.InspectCommand.Run(args.AsSpan(1), Console.Out, Console.Error);
            case "cert":
                return Cert.CertCommand.Run(args.AsSpan(1), Console.Out, Console.Error);
            case "version":
                Console.WriteLine(typeof(Program).Assembly.GetName().Version);
                return 0;
            default:
                Console.Error.WriteLine($"sharpquic: unknown command '{args[0]}'");
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }
}
