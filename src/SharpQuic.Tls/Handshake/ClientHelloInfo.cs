using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Messages;

namespace SharpQuic.Tls.Handshake;

/// <summary>The parts of a ClientHello the server decides on, decoded and checked once (RFC 8446bis §4.1.2, §9.2).</summary>
internal sealed class ClientHelloInfo
{
    private ClientHelloInfo(ClientHello hello, byte[] bytes)
    {
        Hello = hello;
        Bytes = bytes;
    }

    public ClientHello Hello { get; }

    /// <summary>The whole message, header included.</summary>
    public byte[] Bytes { get; }

    public string? ServerName { get; private set; }

    public List<byte[]> ApplicationProtocols { get; private set; } = [];

    public List<NamedGroup> SupportedGroups { get; private set; } = [];

    public List<KeyShareEntry> KeyShares { get; private set; } = [];

    public List<SignatureScheme>? SignatureAlgorithms { get; private set; }

    public List<PskKeyExchangeMode> PskModes { get; private set; } = [];

    public OfferedPsks? OfferedPsks { get; private set; }

    public bool EarlyData { get; private set; }

    public byte[] TransportParameters { get; private set; } = [];

    /// <summary>
    /// Decodes what the server needs. Alerts: protocol_version without TLS 1.3 in supported_versions (§4.2.1);
    /// no_application_protocol without ALPN (RFC 9001 §8.1); missing_extension without quic_transport_parameters
    /// (RFC 9001 §8.2), without supported_groups or key_share (we require (EC)DHE, §9.2), without
    /// signature_algorithms when no PSK is offered, or with pre_shared_key but no psk_key_exchange_modes (§4.2.9);
    /// illegal_parameter for a key share of a group not in supported_groups (§4.2.8); decode errors as parsed.
    /// </summary>
    public static bool TryCreate(ClientHello hello, byte[] bytes, out ClientHelloInfo info, out TlsAlert alert)
    {
        info = new ClientHelloInfo(hello, bytes);
        ExtensionList ext = hello.Extensions;
        if (!ext.TryGet(ExtensionType.SupportedVersions, out byte[] versions))
        {
            alert = TlsAlert.ProtocolVersion;
            return false;
        }

        if (!SupportedVersionsExtension.TryParseClient(versions, out List<ushort> list, out alert))
        {
            return false;
        }

        if (!list.Contains(SupportedVersionsExtension.Tls13))
        {
            alert = TlsAlert.ProtocolVersion;
            return false;
        }

        if (ext.TryGet(ExtensionType.ServerName, out byte[] sni))
        {
            if (!ServerNameExtension.TryParse(sni, out string? name, out alert))
            {
                return false;
            }

            info.ServerName = name;
        }

        if (!ext.TryGet(ExtensionType.ApplicationLayerProtocolNegotiation, out byte[] alpn))
        {
            alert = TlsAlert.NoApplicationProtocol;
            return false;
        }

        if (!AlpnExtension.TryParse(alpn, out List<byte[]> protocols, out alert))
        {
            return false;
        }

        info.ApplicationProtocols = protocols;
        if (!ext.TryGet(ExtensionType.QuicTransportParameters, out byte[] tp))
        {
            alert = TlsAlert.MissingExtension;
            return false;
        }

        info.TransportParameters = QuicTransportParametersExtension.Parse(tp);
        if (!ext.TryGet(ExtensionType.SupportedGroups, out byte[] groups) || !ext.TryGet(ExtensionType.KeyShare, out byte[] shares))
        {
            alert = TlsAlert.MissingExtension;
            return false;
        }

        if (!SupportedGroupsExtension.TryParse(groups, out List<NamedGroup> groupList, out alert)
            || !KeyShareExtension.TryParseClient(shares, out List<KeyShareEntry> shareList, out alert))
        {
            return false;
        }

        foreach (KeyShareEntry share in shareList)
        {
            if (!groupList.Contains(share.Group))
            {
                alert = TlsAlert.IllegalParameter;
                return false;
            }
        }

        info.SupportedGroups = groupList;
        info.KeyShares = shareList;
        if (ext.TryGet(ExtensionType.SignatureAlgorithms, out byte[] sigs))
        {
            if (!SignatureAlgorithmsExtension.TryParse(sigs, out List<SignatureScheme> schemes, out alert))
            {
                return false;
            }

            info.SignatureAlgorithms = schemes;
        }

        if (ext.TryGet(ExtensionType.PskKeyExchangeModes, out byte[] modes))
        {
            if (!PskKeyExchangeModesExtension.TryParse(modes, out List<PskKeyExchangeMode> modeList, out alert))
            {
                return false;
            }

            info.PskModes = modeList;
        }

        if (ext.TryGet(ExtensionType.PreSharedKey, out byte[] psk))
        {
            if (!ext.Contains(ExtensionType.PskKeyExchangeModes))
            {
                alert = TlsAlert.MissingExtension;
                return false;
            }

            if (!PreSharedKeyExtension.TryParseClient(psk, out OfferedPsks offered, out alert))
            {
                return false;
            }

            info.OfferedPsks = offered;
        }

        if (info.SignatureAlgorithms is null && info.OfferedPsks is null)
        {
            alert = TlsAlert.MissingExtension;
            return false;
        }

        if (ext.TryGet(ExtensionType.EarlyData, out byte[] early))
        {
            if (!EarlyDataExtension.TryParseEmpty(early, out alert))
            {
                return false;
            }

            info.EarlyData = true;
        }

        alert = default;
        return true;
    }

    /// <summary>§4.1.2: the second ClientHello repeats the first except for key_share, early_data (removed),
    /// cookie (added), pre_shared_key (updated) and padding. Anything else differing is illegal_parameter.</summary>
    public bool MatchesRetryOf(ClientHelloInfo first)
    {
        ClientHello a = first.Hello;
        ClientHello b = Hello;
        if (!a.Random.AsSpan().SequenceEqual(b.Random) || !a.LegacySessionId.AsSpan().SequenceEqual(b.LegacySessionId)
            || !a.CipherSuites.SequenceEqual(b.CipherSuites) || b.Extensions.Contains(ExtensionType.EarlyData))
        {
            return false;
        }

        return Covers(a.Extensions, b.Extensions) && Covers(b.Extensions, a.Extensions);
    }

    private static bool Covers(ExtensionList x, ExtensionList y)
    {
        foreach (RawExtension e in x.Items)
        {
            if ((ExtensionType)e.Type is ExtensionType.KeyShare or ExtensionType.EarlyData or ExtensionType.Cookie
                or ExtensionType.PreSharedKey or ExtensionType.Padding)
            {
                continue;
            }

            bool found = false;
            foreach (RawExtension f in y.Items)
            {
                if (f.Type == e.Type)
                {
                    found = f.Data.AsSpan().SequenceEqual(e.Data);
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }
}
