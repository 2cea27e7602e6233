using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Messages;

/// <summary>
/// ClientHello (RFC 8446bis §4.1.2):
/// <code>
/// struct {
///     ProtocolVersion legacy_version = 0x0303;
///     Random random;
///     opaque legacy_session_id&lt;0..32&gt;;
///     CipherSuite cipher_suites&lt;2..2^16-2&gt;;
///     opaque legacy_compression_methods&lt;1..2^8-1&gt;;
///     Extension extensions&lt;8..2^16-1&gt;;
/// } ClientHello;
/// </code>
/// </summary>
internal sealed class ClientHello
{
    public const ushort LegacyVersionTls12 = 0x0303;
    public const int RandomSize = 32;
    public const int MaxSessionIdSize = 32;

    public ClientHello(byte[] random, byte[] legacySessionId, List<ushort> cipherSuites, ExtensionList extensions)
    {
        Random = random;
        LegacySessionId = legacySessionId;
        CipherSuites = cipherSuites;
        Extensions = extensions;
    }

    /// <summary>Always 0x0303 in TLS 1.3; the real version is in supported_versions.</summary>
    public ushort LegacyVersion { get; private init; } = LegacyVersionTls12;

    public byte[] Random { get; }

    /// <summary>Empty in QUIC (RFC 9001 §8.4), but a server echoes whatever it receives.</summary>
    public byte[] LegacySessionId { get; }

    /// <summary>Offered suites, GREASE removed, unknown kept (the server ignores them).</summary>
    public List<ushort> CipherSuites { get; }

    public ExtensionList Extensions { get; }

    /// <summary>
    /// Parses a ClientHello body. Alerts: decode_error for any length or truncation problem;
    /// protocol_version for a legacy_version below 0x0303; illegal_parameter for compression methods other
    /// than exactly [0] (§4.1.2), a repeated extension or a pre_shared_key that is not last (§4.2.11).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out ClientHello? hello, out TlsAlert alert)
    {
        hello = null;
        var r = new TlsReader(body);
        if (!r.TryReadUInt16(out ushort legacyVersion)
            || !r.TryReadBytes(RandomSize, out ReadOnlySpan<byte> random)
            || !r.TryReadVector8(out ReadOnlySpan<byte> sessionId, max: MaxSessionIdSize)
            || !r.TryReadVector16(out ReadOnlySpan<byte> suites, min: 2, max: 0xFFFE)
            || (suites.Length & 1) != 0
            || !r.TryReadVector8(out ReadOnlySpan<byte> compression, min: 1))
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        if (legacyVersion < LegacyVersionTls12)
        {
            alert = TlsAlert.ProtocolVersion;
            return false;
        }

        // §4.1.2: a TLS 1.3 ClientHello carries exactly one compression method, null (0).
        if (compression.Length != 1 || compression[0] != 0)
        {
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        if (!ExtensionList.TryRead(ref r, pskMustBeLast: true, out ExtensionList extensions, out alert))
        {
            return false;
        }

        if (!r.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var cipherSuites = new List<ushort>(suites.Length / 2);
        var sr = new TlsReader(suites);
        while (sr.TryReadUInt16(out ushort suite))
        {
            if (!Grease.IsGrease(suite))
            {
                cipherSuites.Add(suite);
            }
        }

        hello = new ClientHello(random.ToArray(), sessionId.ToArray(), cipherSuites, extensions) { LegacyVersion = legacyVersion };
        return true;
    }

    /// <summary>The whole message, header included (what the transcript hashes).</summary>
    public byte[] Encode()
    {
        var w = new TlsWriter(512);
        Write(w);
        return w.ToArray();
    }

    public void Write(TlsWriter w)
    {
        if (Random.Length != RandomSize || LegacySessionId.Length > MaxSessionIdSize || CipherSuites.Count == 0)
        {
            throw new InvalidOperationException("ClientHello fields out of range.");
        }

        int message = w.BeginHandshake(HandshakeType.ClientHello);
        w.WriteUInt16(LegacyVersion);
        w.WriteBytes(Random);
        w.WriteVector8(LegacySessionId);
        int suites = w.BeginVector(2);
        foreach (ushort s in CipherSuites)
        {
            w.WriteUInt16(s);
        }

        w.EndVector(suites);
        w.WriteUInt8(1);
        w.WriteUInt8(0);
        Extensions.Write(w);
        w.EndVector(message);
    }
}
