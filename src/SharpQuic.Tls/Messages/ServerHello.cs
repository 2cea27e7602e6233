using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Messages;

/// <summary>
/// ServerHello and HelloRetryRequest, which share one encoding (RFC 8446bis §4.1.3, §4.1.4):
/// <code>
/// struct {
///     ProtocolVersion legacy_version = 0x0303;
///     Random random;
///     opaque legacy_session_id_echo&lt;0..32&gt;;
///     CipherSuite cipher_suite;
///     uint8 legacy_compression_method = 0;
///     Extension extensions&lt;6..2^16-1&gt;;
/// } ServerHello;
/// </code>
/// A HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
/// </summary>
internal sealed class ServerHello
{
    private static readonly byte[] HelloRetryRequestMagic =
    [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ];

    public ServerHello(byte[] random, byte[] legacySessionIdEcho, ushort cipherSuite, ExtensionList extensions)
    {
        Random = random;
        LegacySessionIdEcho = legacySessionIdEcho;
        CipherSuite = cipherSuite;
        Extensions = extensions;
    }

    /// <summary>The special random of a HelloRetryRequest (§4.1.3).</summary>
    public static ReadOnlySpan<byte> HelloRetryRequestRandom => HelloRetryRequestMagic;

    public byte[] Random { get; }

    public byte[] LegacySessionIdEcho { get; }

    public ushort CipherSuite { get; }

    public ExtensionList Extensions { get; }

    /// <summary>True when <see cref="Random"/> is the HelloRetryRequest value; the client must check this
    /// first (§4.1.3).</summary>
    public bool IsHelloRetryRequest => Random.AsSpan().SequenceEqual(HelloRetryRequestMagic);

    /// <summary>A HelloRetryRequest (§4.1.4) with the special random.</summary>
    public static ServerHello CreateHelloRetryRequest(byte[] legacySessionIdEcho, ushort cipherSuite, ExtensionList extensions)
        => new(HelloRetryRequestMagic.AsSpan().ToArray(), legacySessionIdEcho, cipherSuite, extensions);

    /// <summary>
    /// Parses a ServerHello or HelloRetryRequest body. Alerts: decode_error for bad lengths;
    /// protocol_version when legacy_version is not 0x0303; illegal_parameter for a non-zero compression
    /// method or a repeated extension.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out ServerHello? hello, out TlsAlert alert)
    {
        hello = null;
        var r = new TlsReader(body);
        if (!r.TryReadUInt16(out ushort legacyVersion)
            || !r.TryReadBytes(ClientHello.RandomSize, out ReadOnlySpan<byte> random)
            || !r.TryReadVector8(out ReadOnlySpan<byte> sessionId, max: ClientHello.MaxSessionIdSize)
            || !r.TryReadUInt16(out ushort suite)
            || !r.TryReadUInt8(out byte compression))
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        if (legacyVersion != ClientHello.LegacyVersionTls12)
        {
            alert = TlsAlert.ProtocolVersion;
            return false;
        }

        if (compression != 0)
        {
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        if (!ExtensionList.TryRead(ref r, pskMustBeLast: false, out ExtensionList extensions, out alert))
        {
            return false;
        }

        if (!r.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        hello = new ServerHello(random.ToArray(), sessionId.ToArray(), suite, extensions);
        return true;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter(128);
        Write(w);
        return w.ToArray();
    }

    public void Write(TlsWriter w)
    {
        if (Random.Length != ClientHello.RandomSize || LegacySessionIdEcho.Length > ClientHello.MaxSessionIdSize)
        {
            throw new InvalidOperationException("ServerHello fields out of range.");
        }

        int message = w.BeginHandshake(HandshakeType.ServerHello);
        w.WriteUInt16(ClientHello.LegacyVersionTls12);
        w.WriteBytes(Random);
        w.WriteVector8(LegacySessionIdEcho);
        w.WriteUInt16(CipherSuite);
        w.WriteUInt8(0);
        Extensions.Write(w);
        w.EndVector(message);
    }
}
