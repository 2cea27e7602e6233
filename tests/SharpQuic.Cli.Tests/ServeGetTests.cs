using System.Net;
using System.Security.Cryptography;
using SharpQuic.Cli.Get;
using SharpQuic.Cli.Serve;

namespace SharpQuic.Cli.Tests;

[Collection(CliLoopbackCollection.Name)]
public sealed class ServeGetTests
{
    [Fact]
    public async Task Get_echoes_1_MB_through_serve_and_the_hashes_match()
    {
        var log = new StringWriter();
        await using EchoServer server = await StartServeAsync(log);
        using var echoed = new MemoryStream();
        var report = new StringWriter();

        int rc = await GetCommand.RunAsync([Address(server), "--bytes", "1M", "--insecure"], echoed, report);

        Assert.True(rc == 0, report.ToString());
        Assert.Equal(1 << 20, echoed.Length);
        string text = report.ToString();
        Assert.Contains("ALPN sharpquic-echo", text);
        Assert.Contains("group X25519MLKEM768", text);
        Assert.Contains("cipher TLS_AES_128_GCM_SHA256", text);
        Assert.Contains("QUIC v1", text);

        // The echo is exactly the generated payload: same seed, same bytes, independently hashed here.
        byte[] expected = new byte[1 << 20];
        var random = new Random(0x51C0DE);
        for (int offset = 0; offset < expected.Length; offset += 64 * 1024)
        {
            random.NextBytes(expected.AsSpan(offset, 64 * 1024));
        }

        string digest = Convert.ToHexStringLower(SHA256.HashData(echoed.ToArray()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), digest);
        Assert.Contains($"echo verified: SHA-256 {digest}", text);
    }

    [Fact]
    public async Task Get_with_migrate_moves_to_a_new_local_port_halfway_and_the_echo_still_verifies()
    {
        var log = new StringWriter();
        await using EchoServer server = await StartServeAsync(log);
        using var echoed = new MemoryStream();
        var report = new StringWriter();

        int rc = await GetCommand.RunAsync([Address(server), "--bytes", "8M", "--insecure", "--migrate"], echoed, report);

        string text = report.ToString();
        Assert.True(rc == 0, text);
        Assert.Equal(8 << 20, echoed.Length);
        Assert.Contains("migrated from local port", text);
        Assert.Contains("echo verified", text);
    }

    [Fact]
    public async Task Get_sends_a_file_and_writes_the_echo_to_an_output_file_with_the_chosen_group_cipher_and_version()
    {
        await using EchoServer server = await StartServeAsync(new StringWriter());
        string input = Path.GetTempFileName();
        string output = Path.GetTempFileName();
        try
        {
            byte[] data = new byte[200_000];
            Random.Shared.NextBytes(data);
            await File.WriteAllBytesAsync(input, data);
            var report = new StringWriter();

            int rc = await GetCommand.RunAsync(
                [Address(server), "--data", input, "-o", output, "--insecure", "--group", "x25519", "--cipher", "chacha20", "--quic-version", "2"],
                Stream.Null, report);

            Assert.True(rc == 0, report.ToString());
            Assert.Equal(data, await File.ReadAllBytesAsync(output));
            Assert.Contains("group x25519", report.ToString());
            Assert.Contains("cipher TLS_CHACHA20_POLY1305_SHA256", report.ToString());
            Assert.Contains("QUIC v2", report.ToString());
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    [Fact]
    public async Task Get_with_an_unknown_group_fails_with_a_message_naming_it()
    {
        await using EchoServer server = await StartServeAsync(new StringWriter());
        var report = new StringWriter();

        int rc = await GetCommand.RunAsync([Address(server), "--bytes", "10", "--insecure", "--group", "nosuchgroup"], Stream.Null, report);

        Assert.NotEqual(0, rc);
        Assert.Contains("Unknown key-exchange group 'nosuchgroup'", report.ToString());
    }

    [Fact]
    public async Task Get_without_insecure_refuses_the_self_signed_development_certificate()
    {
        await using EchoServer server = await StartServeAsync(new StringWriter());
        var report = new StringWriter();

        int rc = await GetCommand.RunAsync([Address(server), "--bytes", "10"], Stream.Null, report);

        Assert.Equal(1, rc);
        Assert.Contains("certificate", report.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("--cipher", "rot13")]
    [InlineData("--quic-version", "3")]
    [InlineData("--bytes", "12Q")]
    public async Task Get_rejects_bad_arguments_with_exit_code_2(string option, string value)
    {
        var report = new StringWriter();

        int rc = await GetCommand.RunAsync(["127.0.0.1:9", option, value, "--insecure"], Stream.Null, report);

        Assert.Equal(2, rc);
        Assert.Contains(value, report.ToString());
    }

    [Fact]
    public async Task Serve_prints_its_address_and_fingerprint_and_logs_discarded_unidirectional_streams()
    {
        var log = new StringWriter();
        EchoServer server = await StartServeAsync(log);
        string started = log.ToString();
        Assert.Contains($"listening on {server.LocalEndPoint}", started);
        Assert.Contains("SHA-256 " + Convert.ToHexString(server.Certificate.GetCertHash(HashAlgorithmName.SHA256))[..2], started);

        QuicConnection client = await QuicConnection.ConnectAsync(new QuicClientConnectionOptions
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port),
            DefaultStreamErrorCode = 0,
            DefaultCloseErrorCode = 0,
            ClientAuthenticationOptions = new()
            {
                TargetHost = "localhost",
                ApplicationProtocols = [EchoServer.Alpn],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        });
        await using (client)
        {
            for (int i = 0; i < 3; i++)
            {
                await using QuicStream uni = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
                await uni.WriteAsync(new byte[1000], completeWrites: true);
            }

            await using QuicStream bidi = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await bidi.WriteAsync(new byte[] { 1, 2, 3 }, completeWrites: true);
            using var echo = new MemoryStream();
            await bidi.CopyToAsync(echo);
            Assert.Equal(new byte[] { 1, 2, 3 }, echo.ToArray());

            // Stopping the server closes the open connection with application code 0.
            await server.DisposeAsync();
            var closed = await Assert.ThrowsAsync<QuicException>(async () => await client.AcceptInboundStreamAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(QuicError.ConnectionAborted, closed.QuicError);
            Assert.Equal(0, closed.ApplicationErrorCode);
        }

        string text = log.ToString();
        Assert.Contains("1 bidirectional and 3 unidirectional stream(s) completed, 3003 bytes received, 3 bytes sent", text);
    }

    private static async Task<EchoServer> StartServeAsync(TextWriter log)
    {
        EchoServer? server = await ServeCommand.StartAsync(["--listen", "127.0.0.1:0"], log, log);
        Assert.NotNull(server);
        return server;
    }

    private static string Address(EchoServer server) => $"127.0.0.1:{server.LocalEndPoint.Port}";
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliLoopbackCollection
{
    public const string Name = "CLI loopback";
}
