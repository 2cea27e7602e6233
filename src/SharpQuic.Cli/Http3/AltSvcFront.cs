using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using SharpQuic.Http3;

namespace SharpQuic.Cli.Http3;

/// <summary>
/// <c>serve --alt-svc</c>: Kestrel on the same port over TCP (HTTP/1.1 and HTTP/2 with TLS), serving
/// the same routes and advertising the HTTP/3 endpoint with <c>Alt-Svc</c> (RFC 7838), so a browser
/// that starts with TCP discovers us and moves to HTTP/3.
/// </summary>
internal sealed class AltSvcFront : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AltSvcFront(WebApplication app) => _app = app;

    public static async Task<AltSvcFront> StartAsync(IPEndPoint listen, X509Certificate2 certificate, Http3RouteTable routes, int http3Port, TextWriter? log)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(listen, endpoint =>
        {
            endpoint.Protocols = HttpProtocols.Http1AndHttp2;
            endpoint.UseHttps(certificate);
        }));
        WebApplication app = builder.Build();
        string altSvc = Http3AltSvc.Format(http3Port, TimeSpan.FromDays(1));
        app.Run(async http =>
        {
            http.Response.Headers.AltSvc = altSvc;
            var message = new KestrelMessage(http);
            string pathAndQuery = http.Request.Path.ToUriComponent() + http.Request.QueryString.ToUriComponent();
            var headers = new Http3Headers();
            foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in http.Request.Headers)
            {
                if (header.Key.StartsWith(':'))
                {
                    continue;
                }

                foreach (string? value in header.Value)
                {
                    headers.Add(header.Key, value ?? string.Empty);
                }
            }

            var request = new Http3Request(http.Request.Method, http.Request.Scheme, http.Request.Host.Value ?? string.Empty, pathAndQuery, null, headers, message)
            {
                RemoteEndPoint = http.Connection.RemoteIpAddress is IPAddress ip ? new IPEndPoint(ip, http.Connection.RemotePort) : null,
                HttpVersion = http.Request.Protocol,
            };
            var response = new Http3Response(message);
            await routes.DispatchAsync(new Http3Context(request, response, http.RequestAborted)).ConfigureAwait(false);
            await response.CompleteAsync(http.RequestAborted).ConfigureAwait(false);
            log?.WriteLine(System.FormattableString.Invariant(
                $"{request.RemoteEndPoint} \"{request.Method} {pathAndQuery} {http.Request.Protocol}\" {response.StatusCode} {response.BodyBytesSent} (TCP, alt-svc sent)"));
        });
        await app.StartAsync().ConfigureAwait(false);
        return new AltSvcFront(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Our message seams over one Kestrel request, so the route table serves TCP too.</summary>
    private sealed class KestrelMessage(HttpContext http) : IHttp3MessageReader, IHttp3MessageWriter
    {
        public Http3Headers? Trailers => null;

        public async ValueTask<int> ReadDataAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
            await http.Request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);

        public async ValueTask WriteHeadersAsync(Http3Headers pseudoHeaders, Http3Headers fields, bool endStream, CancellationToken cancellationToken)
        {
            http.Response.StatusCode = int.Parse(pseudoHeaders[":status"]!, System.Globalization.CultureInfo.InvariantCulture);
            foreach (KeyValuePair<string, string> field in fields)
            {
                http.Response.Headers.Append(field.Key, field.Value);
            }

            await http.Response.StartAsync(cancellationToken).ConfigureAwait(false);
            if (endStream)
            {
                await http.Response.CompleteAsync().ConfigureAwait(false);
            }
        }

        public async ValueTask WriteDataAsync(ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken)
        {
            await http.Response.Body.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            if (endStream)
            {
                await http.Response.CompleteAsync().ConfigureAwait(false);
            }
        }

        public async ValueTask WriteTrailersAsync(Http3Headers trailers, CancellationToken cancellationToken)
        {
            if (http.Response.SupportsTrailers())
            {
                foreach (KeyValuePair<string, string> trailer in trailers)
                {
                    http.Response.AppendTrailer(trailer.Key, trailer.Value);
                }
            }

            await http.Response.CompleteAsync().ConfigureAwait(false);
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken) => await http.Response.CompleteAsync().ConfigureAwait(false);

        void IHttp3MessageWriter.Abort(long errorCode) => http.Abort();

        void IHttp3MessageReader.Abort(long errorCode) => http.Abort();
    }
}
