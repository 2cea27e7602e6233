using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// Just enough HTTP/3 (RFC 9114) and QPACK (RFC 9204, static table only) over the raw QUIC API to make ngtcp2's
/// HTTP/3 client and server move bulk data through our transport: a GET with a static-table field section and
/// DATA frames counted on the way back. The HTTP/3 layer proper is issue 7; this is test scaffolding.
/// </summary>
internal static class MiniHttp3
{
    private const int FrameData = 0x00;
    private const int FrameHeaders = 0x01;
    private const int FrameSettings = 0x04;

    /// <summary>
    /// Our client's options for an HTTP/3 peer on 127.0.0.1: ALPN h3, room for the peer's three unidirectional streams
    /// (RFC 9114 §6.2), and trust in exactly the test's certificate.
    /// </summary>
    public static QuicClientConnectionOptions ClientOptions(int port, X509Certificate2 expected) => new()
    {
        RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, port),
        DefaultStreamErrorCode = 0x10c, // H3_REQUEST_CANCELLED
        DefaultCloseErrorCode = 0x100,  // H3_NO_ERROR
        MaxInboundUnidirectionalStreams = 3,
        ClientAuthenticationOptions = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http3],
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == expected.GetCertHashString(),
        },
    };

    /// <summary>Opens our control stream (RFC 9114 §6.2.1) with an empty SETTINGS frame, and keeps it open.</summary>
    public static async Task<QuicStream> OpenControlStreamAsync(QuicConnection connection, CancellationToken ct)
    {
        QuicStream control = await connection.OpenOutboundStreamAsync(QuicStreamType.Unidirectional, ct);
        await control.WriteAsync(new byte[] { 0x00, FrameSettings, 0x00 }, ct);
        return control;
    }

    /// <summary>Sends GET <paramref name="path"/> and returns the number of body bytes in the response's DATA frames.</summary>
    public static async Task<long> GetAsync(QuicConnection connection, string authority, string path, CancellationToken ct)
    {
        await using QuicStream stream = await connection.OpenOutboundStreamAsync(QuicStreamType.Bidirectional, ct);
        using var section = new MemoryStream();
        section.Write([0x00, 0x00]);                   // Required Insert Count 0, Base 0 (RFC 9204 §4.5.1)
        section.WriteByte(0xC0 | 17);                   // :method GET    (static index 17, indexed field line)
        section.WriteByte(0xC0 | 23);                   // :scheme https  (static index 23)
        WriteLiteralWithStaticName(section, 0, authority); // :authority
        WriteLiteralWithStaticName(section, 1, path);      // :path
        await stream.WriteAsync(Frame(FrameHeaders, section.ToArray()), completeWrites: true, ct);
        return await CountBodyAsync(stream, ct);
    }

    /// <summary>Reads one request's frames until FIN (what it asks is not looked at), then answers 200 with <paramref name="bodyLength"/> bytes.</summary>
    public static async Task RespondAsync(QuicStream stream, long bodyLength, CancellationToken ct)
    {
        byte[] buffer = new byte[16 * 1024];
        while (await stream.ReadAsync(buffer, ct) > 0)
        {
        }

        await stream.WriteAsync(Frame(FrameHeaders, [0x00, 0x00, 0xC0 | 25]), ct); // :status 200 (static index 25)
        byte[] chunk = new byte[64 * 1024];
        for (long sent = 0; sent < bodyLength;)
        {
            int n = (int)Math.Min(chunk.Length, bodyLength - sent);
            await stream.WriteAsync(Frame(FrameData, chunk.AsSpan(0, n)), ct);
            sent += n;
        }

        stream.CompleteWrites();
    }

    /// <summary>Reads a response: HEADERS then DATA frames; returns the DATA payload bytes.</summary>
    private static async Task<long> CountBodyAsync(QuicStream stream, CancellationToken ct)
    {
        var reader = new FrameReader(stream);
        long body = 0;
        bool headers = false;
        while (await reader.NextAsync(ct) is (long type, long length))
        {
            if (type == FrameHeaders)
            {
                headers = true;
            }
            else if (type == FrameData)
            {
                body += length;
            }

            await reader.SkipAsync(length, ct);
        }

        return headers ? body : throw new InvalidDataException("The response had no HEADERS frame.");
    }

    private static void WriteLiteralWithStaticName(MemoryStream section, int staticIndex, string value)
    {
        // RFC 9204 §4.5.4: 01NT + 4-bit index; the value as a 7-bit-prefixed length and raw bytes.
        section.WriteByte((byte)(0x50 | staticIndex));
        byte[] bytes = Encoding.ASCII.GetBytes(value);
        if (bytes.Length >= 127)
        {
            throw new ArgumentException("value too long for this helper", nameof(value));
        }

        section.WriteByte((byte)bytes.Length);
        section.Write(bytes);
    }

    private static byte[] Frame(int type, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[1 + 8 + payload.Length];
        frame[0] = (byte)type;
        int n = 1 + WriteVarInt(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame.AsSpan(n));
        return frame[..(n + payload.Length)];
    }

    private static int WriteVarInt(Span<byte> destination, long value)
    {
        if (value < 64)
        {
            destination[0] = (byte)value;
            return 1;
        }

        if (value < 16384)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(0x4000 | value));
            return 2;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(0x8000_0000 | value));
        return 4;
    }

    /// <summary>Reads frame headers and skips payloads from a stream.</summary>
    private sealed class FrameReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<(long Type, long Length)?> NextAsync(CancellationToken ct)
        {
            long? type = await ReadVarIntAsync(ct);
            if (type is null)
            {
                return null;
            }

            long? length = await ReadVarIntAsync(ct);
            return length is null ? throw new InvalidDataException("truncated frame header") : (type.Value, length.Value);
        }

        public async Task SkipAsync(long count, CancellationToken ct)
        {
            while (count > 0)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw new InvalidDataException("truncated frame");
                }

                int n = (int)Math.Min(count, _end - _start);
                _start += n;
                count -= n;
            }
        }

        private async Task<long?> ReadVarIntAsync(CancellationToken ct)
        {
            if (_start == _end && !await FillAsync(ct))
            {
                return null;
            }

            int length = 1 << (_buffer[_start] >> 6);
            long value = _buffer[_start++] & 0x3F;
            for (int i = 1; i < length; i++)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw new InvalidDataException("truncated varint");
                }

                value = (value << 8) | _buffer[_start++];
            }

            return value;
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, ct);
            return _end > 0;
        }
    }
}
