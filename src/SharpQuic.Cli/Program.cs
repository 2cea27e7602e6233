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
          sharpquic serve [--listen ADDR:PORT] [--root DIR] [--cert PEM --key PEM] [--retry] [--early-data]
                        [--qlog-dir DIR] [--alt-svc] [--keylog FILE] [--quiet]
                                          HTTP/3 server (default https://127.0.0.1:4433/): /, /files/{*path} from
                                          --root, /api/users/{id}, /echo (POST), /bytes/{n}, /many/{n}
          sharpquic get URL [URL…] [-o FILE | --output-dir DIR] [--insecure] [--method M] [--data FILE|-]
                        [--header 'name: value'] [--session-file F [--early-data]] [--cipher aes128|aes256|chacha20]
                        [--group NAME] [--quic-version 1|2] [--key-update] [--qlog-dir DIR] [--keylog FILE]
                                          HTTP/3 requests: headers to stderr, bodies to stdout or files
          sharpquic echo serve [--listen ADDR:PORT] [--cert PEM --key PEM] [--retry] [--qlog-dir DIR]
                                          echo/discard server, ALPN sharpquic-echo (default 127.0.0.1:4433)
          sharpquic echo get ADDR:PORT [--data FILE | --bytes N] [-o FILE] [--insecure] [--group NAME]
                        [--cipher aes128|aes256|chacha20] [--quic-version 1|2] [--qlog-dir DIR]
                                          send to an echo server on one stream, check the echo
          sharpquic perf server [--listen ADDR:PORT] [--cert PEM --key PEM]
          sharpquic perf client ADDR:PORT (--download BYTES | --upload BYTES | --handshakes SECONDS |
                        --requests SECONDS [--connections N] [--streams N] [--request-size B] [--response-size B])
                        [--group NAME] [--cipher NAME]
          sharpquic perf h3 URL [--seconds S] [--connections N] [--streams N] [--insecure]
                                          measure throughput, handshakes/s or request latency (last line: JSON)
          sharpquic version               print the version
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
            case "serve":
                return Common.Shutdown.Run(args[1..], static (a, stop) => Http3.H3ServeCommand.RunAsync(a, Console.Out, Console.Error, stop));
            case "get":
                return Common.Shutdown.Run(args[1..], static (a, stop) => Http3.H3GetCommand.RunAsync(a, Console.OpenStandardOutput(), Console.Error, stop));
            case "echo" when args.Length > 1 && args[1] == "serve":
                return Common.Shutdown.Run(args[2..], static (a, stop) => Serve.ServeCommand.RunAsync(a, Console.Out, Console.Error, stop));
            case "echo" when args.Length > 1 && args[1] == "get":
                return Common.Shutdown.Run(args[2..], static (a, stop) => Get.GetCommand.RunAsync(a, Console.OpenStandardOutput(), Console.Error, stop));
            case "perf":
                return Common.Shutdown.Run(args[1..], static (a, stop) => Perf.PerfCommand.RunAsync(a, Console.Out, Console.Error, stop));
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
