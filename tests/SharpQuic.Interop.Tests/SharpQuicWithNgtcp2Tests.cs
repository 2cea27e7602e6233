using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// SharpQuic's client and listener against ngtcp2 0.12.1 (GnuTLS): the handshake completes, ALPN
/// h3 and the expected key-exchange group are negotiated.
/// </summary>
/// <remarks>
/// ngtcp2 0.12.1 with GnuTLS 3.7.9 knows no hybrid group. Our default offer carries key shares for
/// X25519MLKEM768 and x25519 and lists secp256r1 without a share, so against ngtcp2's default groups
/// it settles on x25519 in one round trip. A peer limited to secp256r1 has to go through a
/// HelloRetryRequest (RFC 8446bis §4.1.4): no first flight of ours carries a secp256r1 share, so a
/// secp256r1 result proves the retry happened and was handled.
/// </remarks>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class SharpQuicWithNgtcp2Tests
{
    private const string Secp256r1Only = "--groups=-GROUP-ALL:+GROUP-SECP256R1";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);
    private static readonly SslApplicationProtocol H3 = SslApplicationProtocol.Http3;

    [Theory]
    [InlineData(null, null, "x25519")]            // our default offer
    [InlineData("x25519", null, "x25519")]        // only x25519
    [InlineData(null, Secp256r1Only, "secp256r1")] // HelloRetryRequest from ngtcp2
    public async Task Our_client_completes_a_handshake_with_ngtcp2_server(string? ourOnlyGroup, string? serverGroups, string expectedGroup)
    {
        using var scratch = new InteropScratch();
        // Not quiet: a handshake-only log is short, and it says why ngtcp2 closed when it does.
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, serverGroups is null ? null : [serverGroups], quiet: false);
        using var cts = new CancellationTokenSource(TestTimeout);

        using X509Certificate2 expected = X509CertificateLoader.LoadCertificateFromFile(scratch.CertificatePath);
        bool validated = false;
        var options = new QuicClientConnectionOptions
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, server.Port),
            DefaultStreamErrorCode = 0x10c,   // H3_REQUEST_CANCELLED
            DefaultCloseErrorCode = 0x100,    // H3_NO_ERROR
            // RFC 9114 §6.2: an HTTP/3 peer must be allowed at least 3 unidirectional streams
            // (control, QPACK encoder and decoder); ngtcp2 closes with alert 80 otherwise.
            MaxInboundUnidirectionalStreams = 3,
            ClientAuthenticationOptions = new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [H3],
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    // Trust exactly the certificate this test made, nothing else.
                    validated = cert is not null && cert.GetCertHashString() == expected.GetCertHashString();
                    return validated;
                },
            },
        };
        if (ourOnlyGroup is not null)
        {
            options.KeyExchangeGroups = [ourOnlyGroup];
        }

        QuicConnection connection;
        try
        {
            connection = await QuicConnection.ConnectAsync(options, cts.Token);
        }
        catch (Exception e) when (e is QuicException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            Assert.Fail($"The handshake with ngtcp2 failed: {e}\n{server.Process.Describe()}");
            throw;
        }

        await using (connection)
        {
            Assert.True(validated);
            Assert.Equal(H3, connection.NegotiatedApplicationProtocol);
            Assert.Equal(expectedGroup, connection.NegotiatedKeyExchangeGroup);
            Assert.Equal(1, connection.NegotiatedQuicVersion);
            Assert.Equal("localhost", connection.TargetHostName);
            await connection.CloseAsync(0x100, cts.Token);
        }

        Assert.False(server.Process.HasExited, server.Process.Describe());
    }

    [Theory]
    [InlineData(null, "x25519")]
    [InlineData(Secp256r1Only, "secp256r1")]   // gtlsclient offers only secp256r1: no HelloRetryRequest needed
    public async Task Ngtcp2_client_completes_a_handshake_with_our_listener(string? clientGroups, string expectedGroup)
    {
        using var scratch = new InteropScratch();
        using var cts = new CancellationTokenSource(TestTimeout);
        using X509Certificate2 serverCertificate = X509Certificate2.CreateFromPemFile(scratch.CertificatePath, scratch.KeyPath);

        var listenerOptions = new QuicListenerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ApplicationProtocols = [H3],
            WorkerCount = 1,
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(new QuicServerConnectionOptions
            {
                DefaultStreamErrorCode = 0x10c,
                DefaultCloseErrorCode = 0x100,
                ServerAuthenticationOptions = new SslServerAuthenticationOptions
                {
                    ServerCertificate = serverCertificate,
                    ApplicationProtocols = [H3],
                },
            }),
        };
        await using QuicListener listener = await QuicListener.ListenAsync(listenerOptions, cts.Token);

        // No HTTP/3 here: the request stays unanswered, and the client's idle timeout ends it.
        string[] clientArguments = clientGroups is null ? ["--timeout=3s"] : ["--timeout=3s", clientGroups];
        using var client = Ngtcp2Peer.StartClient(scratch, new IPEndPoint(IPAddress.Loopback, listener.LocalEndPoint.Port), ["index.html"], clientArguments, quiet: false);

        QuicConnection connection;
        try
        {
            connection = await listener.AcceptConnectionAsync(cts.Token);
        }
        catch (Exception e) when (e is QuicException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            Assert.Fail($"Accepting gtlsclient's connection failed: {e}\n{client.Process.Describe()}");
            throw;
        }

        await using (connection)
        {
            Assert.Equal(H3, connection.NegotiatedApplicationProtocol);
            Assert.Equal(expectedGroup, connection.NegotiatedKeyExchangeGroup);
            Assert.Equal(1, connection.NegotiatedQuicVersion);

            await client.Process.WaitForOutputAsync(Ngtcp2Peer.HandshakeCompletedLine, TimeSpan.FromSeconds(10));
            Assert.Equal("h3", Ngtcp2Peer.NegotiatedAlpn(client.Process.StandardError + client.Process.StandardOutput));
            await connection.CloseAsync(0x100, cts.Token);
        }
    }
}
