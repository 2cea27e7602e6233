using System.Text;

namespace SharpQuic.Tests.Api;

/// <summary>
/// <see cref="QuicStream.AbortWrite"/> (RESET_STREAM_AT, draft-ietf-quic-reliable-stream-reset) and
/// <see cref="QuicConnection.ExportKeyingMaterial"/> over real UDP loopback.
/// </summary>
[Collection(LoopbackCollection.Name)]
public sealed class ReliableResetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static byte[] Payload(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    /// <summary>Reads after a pause (so the reset has surely arrived) until the stream throws; returns what came and the exception.</summary>
    private static async Task<(byte[] Data, QuicException Error)> ReadUntilResetAsync(QuicStream stream)
    {
        await Task.Delay(300);
        var received = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (QuicException ex)
        {
            return (received.ToArray(), ex);
        }

        throw new Xunit.Sdk.XunitException($"The stream ended cleanly after {received.Length} bytes instead of being reset.");
    }

    [Theory]
    [InlineData(QuicStreamType.Bidirectional)]
    [InlineData(QuicStreamType.Unidirectional)]
    public async Task The_reliable_prefix_arrives_before_the_reset_even_when_the_reader_comes_late(QuicStreamType type)
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            Assert.True(client.PeerSupportsResetStreamAt);
            Assert.True(server.PeerSupportsResetStreamAt);

            byte[] payload = Payload(200_000);
            await using QuicStream stream = await client.OpenOutboundStreamAsync(type);
            await stream.WriteAsync(payload);
            stream.AbortWrite(0x33, reliableSize: 100_000);

            await using QuicStream accepted = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Timeout);
            (byte[] received, QuicException error) = await ReadUntilResetAsync(accepted);

            Assert.Equal(QuicError.StreamAborted, error.QuicError);
            Assert.Equal(0x33, error.ApplicationErrorCode);
            Assert.InRange(received.Length, 100_000, payload.Length);
            Assert.Equal(payload.AsSpan(0, received.Length).ToArray(), received);
            Assert.NotNull(accepted.ReadFinalSize);
            Assert.InRange(accepted.ReadFinalSize!.Value, received.Length, payload.Length);
            await Assert.ThrowsAsync<QuicException>(() => stream.WritesClosed.WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task A_plain_abort_may_drop_what_the_late_reader_has_not_read()
    {
        // The contrast: RESET_STREAM lets the receiver discard unread data (RFC 9000 §3.2), which is what RESET_STREAM_AT
        // prevents for the reliable prefix.
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            byte[] payload = Payload(200_000);
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            await stream.WriteAsync(payload);
            stream.Abort(QuicAbortDirection.Write, 0x34);

            await using QuicStream accepted = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Timeout);
            (byte[] received, QuicException error) = await ReadUntilResetAsync(accepted);

            Assert.Equal(0x34, error.ApplicationErrorCode);
            Assert.True(received.Length < 100_000, $"{received.Length} bytes were delivered after RESET_STREAM");
            Assert.NotNull(accepted.ReadFinalSize);
        }
    }

    [Fact]
    public async Task A_clean_end_reports_the_final_size()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            await stream.WriteAsync(Payload(12_345), completeWrites: true);
            await using QuicStream accepted = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Timeout);
            // Known from the FIN, before the application read anything.
            Assert.Equal(12_345, await accepted.ReadFinalSizeKnown.WaitAsync(Timeout));

            byte[] received = await TestPeers.ReadToEndAsync(accepted).WaitAsync(Timeout);

            Assert.Equal(12_345, received.Length);
            Assert.Equal(12_345, accepted.ReadFinalSize);
            Assert.Null(stream.ReadFinalSize); // our own unidirectional stream has no receiving part
        }
    }

    [Fact]
    public async Task The_final_size_of_an_abandoned_stream_arrives_when_the_peer_answers_STOP_SENDING()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            // 8 MB: more than the 2 MB initial stream window and the 4 MB send buffer, so the write is still pending
            // and most of it unsent when the server stops reading.
            Task writing = stream.WriteAsync(Payload(8_000_000)).AsTask();
            QuicStream accepted = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Timeout);
            Assert.True(await accepted.ReadAsync(new byte[10]) > 0);

            accepted.Abort(QuicAbortDirection.Read, 0x44); // STOP_SENDING; the client answers with RESET_STREAM
            long? finalSize = await accepted.ReadFinalSizeKnown.WaitAsync(Timeout);

            QuicException stopped = await Assert.ThrowsAsync<QuicException>(() => writing.WaitAsync(Timeout));
            Assert.Equal(0x44, stopped.ApplicationErrorCode);
            await Assert.ThrowsAsync<QuicException>(() => stream.WritesClosed.WaitAsync(Timeout));
            Assert.NotNull(finalSize);
            Assert.Equal(finalSize, accepted.ReadFinalSize);
            Assert.Equal(finalSize, stream.WriteFinalSize); // both ends agree on what the reset declared
            Assert.InRange(finalSize!.Value, 10, 7_999_999);
            await accepted.DisposeAsync();
        }
    }

    [Fact]
    public async Task Both_ends_export_the_same_keying_material_for_the_same_label_and_context()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (server)
        {
            byte[] context = Encoding.ASCII.GetBytes("session 4");
            byte[] fromClient = client.ExportKeyingMaterial("EXPORTER-test", context, 32);
            byte[] fromServer = server.ExportKeyingMaterial("EXPORTER-test", context, 32);

            Assert.Equal(fromClient, fromServer);
            Assert.NotEqual(new byte[32], fromClient);
            Assert.NotEqual(fromClient, client.ExportKeyingMaterial("EXPORTER-other", context, 32));
            Assert.NotEqual(fromClient, client.ExportKeyingMaterial("EXPORTER-test", "session 8"u8, 32));
            int max = 255 * (client.NegotiatedCipherSuite == System.Net.Security.TlsCipherSuite.TLS_AES_256_GCM_SHA384 ? 48 : 32);
            Assert.Equal(max, server.ExportKeyingMaterial("EXPORTER-test", [], max).Length);

            Assert.Throws<ArgumentException>(() => client.ExportKeyingMaterial("EXPORTER-tést", context, 32));
            Assert.Throws<ArgumentException>(() => client.ExportKeyingMaterial("", context, 32));
            Assert.Throws<ArgumentOutOfRangeException>(() => client.ExportKeyingMaterial("EXPORTER-test", context, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => client.ExportKeyingMaterial("EXPORTER-test", context, max + 1));

            await client.DisposeAsync();
            Assert.Throws<ObjectDisposedException>(() => client.ExportKeyingMaterial("EXPORTER-test", context, 32));
        }
    }
}
