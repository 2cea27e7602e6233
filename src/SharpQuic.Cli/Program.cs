namespace SharpQuic.Cli;

/// <summary>The sharpquic command.</summary>
internal static class Program
{
    private const string Usage = """
        sharpquic — QUIC for .NET, in C#

        usage:
          sharpquic inspect HEX|@FILE [--odcid HEX] [--cid-length N]
                                          decode a QUIC datagram (headers; Initial packets decrypted)
          sharpquic version               print the version

        serve, get, perf and cert arrive with the runtime (sockets are not in this build yet).
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
