using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Http3;

namespace SharpQuic.Interop.Tests.Http3;

/// <summary>What <see cref="OurH3Client.GetAsync"/> received.</summary>
/// <param name="Status">The final :status.</param>
/// <param name="Length">Body bytes received.</param>
/// <param name="Sha256">SHA-256 of the body.</param>
/// <param name="Body">The body itself when it was at most <see cref="OurH3Client.KeptBodyLength"/> bytes, else null.</param>
internal sealed record OurH3Response(int Status, long Length, byte[] Sha256, byte[]? Body);

/// <summary>
/// Our HTTP/3 client for the interop tests, behind one seam: today the internal <see cref="Http3ClientConnection"/>;
/// when the HttpClient handler lands, only this class changes.
/// </summary>
internal static class OurH3Client
{
    /// <summary>Bodies up to this size are kept in <see cref="OurH3Response.Body"/> for comparison.</summary>
    public const int KeptBodyLength = 64 * 1024;

    /// <summary>Client options for a server on 127.0.0.1 that trust exactly <paramref name="expected"/>.</summary>
    public static QuicClientConnectionOptions Options(int port, X509Certificate2 expected) => new()
    {
        RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, port),
        ClientAuthenticationOptions = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http3],
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == expected.GetCertHashString(),
        },
    };

    /// <summary>Connects (QUIC handshake, or 0-RTT keys when the options resume with early data) and opens the HTTP/3 control streams.</summary>
    public static async Task<Http3ClientConnection> ConnectAsync(QuicClientConnectionOptions options, CancellationToken ct) =>
        await Http3ClientConnection.ConnectAsync(options, null, ct).ConfigureAwait(false);

    /// <summary>The QUIC connection under an HTTP/3 connection (for negotiated parameters, tickets and statistics).</summary>
    public static QuicConnection Quic(Http3ClientConnection connection) => connection.Quic;

    /// <summary>GET <paramref name="path"/>: the status, and the body's length and SHA-256, hashed as it streams in.</summary>
    public static async Task<OurH3Response> GetAsync(Http3ClientConnection connection, string authority, string path, CancellationToken ct)
    {
        await using Http3RequestStream request = await connection.OpenRequestAsync(ct).ConfigureAwait(false);
        var pseudo = new Http3Headers
        {
            { ":method", "GET" },
            { ":scheme", "https" },
            { ":authority", authority },
            { ":path", path },
        };
        await request.WriteHeadersAsync(pseudo, new Http3Headers(), endStream: true, ct).ConfigureAwait(false);
        Http3HeaderSection head = await request.ReadHeadersAsync(ct).ConfigureAwait(false);
        int status = int.Parse(head.PseudoHeaders[":status"]!, System.Globalization.CultureInfo.InvariantCulture);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var kept = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        long length = 0;
        int n;
        while ((n = await request.ReadDataAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            if (length + n <= KeptBodyLength)
            {
                kept.Write(buffer, 0, n);
            }

            length += n;
        }

        return new OurH3Response(status, length, hash.GetHashAndReset(), length <= KeptBodyLength ? kept.ToArray() : null);
    }
}
