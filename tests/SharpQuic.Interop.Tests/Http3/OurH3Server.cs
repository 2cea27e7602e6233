using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SharpQuic.Http3;

namespace SharpQuic.Interop.Tests.Http3;

/// <summary>
/// Our <see cref="Http3Server"/> on 127.0.0.1 for ngtcp2's client: <c>/small</c> answers <see cref="TestContent.SmallBody"/>,
/// <c>/gen/N</c> streams N bytes of <see cref="TestContent"/>, anything else is 404. Requests are counted per client
/// address (one address: one connection, ngtcp2's client does not migrate unless asked), and the server's log is kept.
/// </summary>
internal sealed class OurH3Server : IAsyncDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly ConcurrentDictionary<string, int> _requestsByClient = new(StringComparer.Ordinal);
    private readonly StringBuilder _log = new();
    private readonly X509Certificate2 _certificate;
    private Http3Server? _server;

    private OurH3Server(X509Certificate2 certificate)
    {
        _certificate = certificate;
    }

    /// <summary>The server's address.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, _server!.LocalEndPoint.Port);

    /// <summary>What the server logged (connection lines with cipher and resumption, one access line per request).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Requests served, per client address.</summary>
    public IReadOnlyDictionary<string, int> RequestsByClient => _requestsByClient;

    /// <summary>Starts the server with the scratch certificate; <paramref name="configure"/> adjusts its options.</summary>
    public static async Task<OurH3Server> StartAsync(InteropScratch scratch, Action<Http3ServerOptions>? configure = null)
    {
        // The PEM pair → PKCS#12 round trip gives a certificate whose key every platform's TLS accepts.
        using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(scratch.CertificatePath, scratch.KeyPath);
        var server = new OurH3Server(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null));
        var options = new Http3ServerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = server._certificate,
            WorkerCount = 1,
            Log = new LogWriter(server._log),
        };
        configure?.Invoke(options);
        server._server = await Http3Server.StartAsync(options, server.HandleAsync).ConfigureAwait(false);
        return server;
    }

    /// <summary>Lines of the log that contain <paramref name="text"/>.</summary>
    public List<string> LogLines(string text)
    {
        var lines = new List<string>();
        foreach (string line in Log.Split('\n'))
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    /// <summary>Stops the server and releases the certificate.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _certificate.Dispose();
    }

    private async Task HandleAsync(Http3Context context)
    {
        Http3Request request = context.Request;
        _requestsByClient.AddOrUpdate(request.RemoteEndPoint?.ToString() ?? "?", 1, static (_, n) => n + 1);
        if (request.Path == "/small")
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = TestContent.SmallBody.Length;
            await context.Response.WriteBodyAsync(TestContent.SmallBody, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (request.Path.StartsWith("/gen/", StringComparison.Ordinal)
            && long.TryParse(request.Path.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out long length)
            && length <= 1L << 30)
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = length;
            byte[] chunk = new byte[ChunkSize];
            for (long offset = 0; offset < length;)
            {
                int n = (int)Math.Min(chunk.Length, length - offset);
                TestContent.Fill(offset, chunk.AsSpan(0, n));
                await context.Response.WriteBodyAsync(chunk.AsMemory(0, n), context.RequestAborted).ConfigureAwait(false);
                offset += n;
            }

            return;
        }

        context.Response.StatusCode = 404;
    }

    /// <summary>A TextWriter over a StringBuilder that connections may write to at once.</summary>
    private sealed class LogWriter(StringBuilder log) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (log)
            {
                log.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (log)
            {
                log.Append(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (log)
            {
                log.Append(value).Append('\n');
            }
        }
    }
}
