using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using SharpQuic.Core.Wire;

namespace SharpQuic.Http3.Wire;

/// <summary>HTTP/3 setting identifiers understood by <see cref="Http3Settings"/>.</summary>
internal enum Http3SettingId : ulong
{
    /// <summary>SETTINGS_QPACK_MAX_TABLE_CAPACITY (RFC 9204 §5).</summary>
    QPackMaxTableCapacity = 0x01,

    /// <summary>SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §7.2.4.1).</summary>
    MaxFieldSectionSize = 0x06,

    /// <summary>SETTINGS_QPACK_BLOCKED_STREAMS (RFC 9204 §5).</summary>
    QPackBlockedStreams = 0x07,

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220 §3), 0 or 1.</summary>
    EnableConnectProtocol = 0x08,

    /// <summary>SETTINGS_H3_DATAGRAM (RFC 9297 §2.1.1), 0 or 1.</summary>
    H3Datagram = 0x33,

    /// <summary>The pre-RFC H3_DATAGRAM code point (draft-ietf-masque-h3-datagram-04..), 0 or 1.</summary>
    H3DatagramDraft04 = 0xffd277,

    /// <summary>SETTINGS_WT_ENABLED, draft-ietf-webtrans-http3 §3.1 (draft-specific code point), 0 or 1.</summary>
    WebTransportEnabled = 0x2c7cf000,

    /// <summary>SETTINGS_WT_INITIAL_MAX_STREAMS_UNI (draft-ietf-webtrans-http3 §5.5).</summary>
    WebTransportInitialMaxStreamsUni = 0x2b64,

    /// <summary>SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI (draft-ietf-webtrans-http3 §5.5).</summary>
    WebTransportInitialMaxStreamsBidi = 0x2b65,

    /// <summary>SETTINGS_WT_INITIAL_MAX_DATA (draft-ietf-webtrans-http3 §5.5).</summary>
    WebTransportInitialMaxData = 0x2b61,

    /// <summary>SETTINGS_WT_MAX_SESSIONS of the intermediate drafts (not in the current draft).</summary>
    WebTransportMaxSessions = 0x14e9cd29,

    /// <summary>SETTINGS_ENABLE_WEBTRANSPORT of the early drafts, 0 or 1.</summary>
    EnableWebTransportDraft02 = 0x2b603742,

    /// <summary>SETTINGS_WEBTRANSPORT_MAX_SESSIONS of draft 07.</summary>
    WebTransportMaxSessionsDraft07 = 0xc671706a,
}

/// <summary>
/// The parameters of a SETTINGS frame (RFC 9114 §7.2.4): parsed from a peer's frame with full
/// validation, or written for our own control stream. Defaults are the protocol defaults; only
/// values that differ from them are written. Unknown and GREASE identifiers are ignored on receipt.
/// </summary>
internal sealed class Http3Settings
{
    private const int StackIdLimit = 128;

    private (ulong Id, ulong Value)? _grease;

    /// <summary>SETTINGS_QPACK_MAX_TABLE_CAPACITY; default 0.</summary>
    public ulong QPackMaxTableCapacity { get; set; }

    /// <summary>SETTINGS_MAX_FIELD_SECTION_SIZE; null (the default) means unlimited.</summary>
    public ulong? MaxFieldSectionSize { get; set; }

    /// <summary>SETTINGS_QPACK_BLOCKED_STREAMS; default 0.</summary>
    public ulong QPackBlockedStreams { get; set; }

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL: extended CONNECT (RFC 9220) is accepted.</summary>
    public bool EnableConnectProtocol { get; set; }

    /// <summary>SETTINGS_H3_DATAGRAM (RFC 9297).</summary>
    public bool H3Datagram { get; set; }

    /// <summary>The pre-RFC H3_DATAGRAM setting 0xffd277, still sent by some WebTransport peers.</summary>
    public bool H3DatagramDraft04 { get; set; }

    /// <summary>SETTINGS_WT_ENABLED (current draft code point).</summary>
    public bool WebTransportEnabled { get; set; }

    /// <summary>SETTINGS_WT_INITIAL_MAX_STREAMS_UNI; default 0.</summary>
    public ulong WebTransportInitialMaxStreamsUni { get; set; }

    /// <summary>SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI; default 0.</summary>
    public ulong WebTransportInitialMaxStreamsBidi { get; set; }

    /// <summary>SETTINGS_WT_INITIAL_MAX_DATA; default 0.</summary>
    public ulong WebTransportInitialMaxData { get; set; }

    /// <summary>SETTINGS_WT_MAX_SESSIONS of intermediate drafts; null when absent.</summary>
    public ulong? WebTransportMaxSessions { get; set; }

    /// <summary>The early drafts' SETTINGS_ENABLE_WEBTRANSPORT (0x2b603742).</summary>
    public bool EnableWebTransportDraft02 { get; set; }

    /// <summary>Draft 07's SETTINGS_WEBTRANSPORT_MAX_SESSIONS (0xc671706a); null when absent.</summary>
    public ulong? WebTransportMaxSessionsDraft07 { get; set; }

    /// <summary>
    /// A reserved setting to send so the peer keeps ignoring unknown identifiers (RFC 9114
    /// §7.2.4.1 says endpoints SHOULD); the caller picks it from its own random source. Not parsed.
    /// </summary>
    public (ulong Id, ulong Value)? Grease
    {
        get => _grease;
        set
        {
            if (value is { } g && (!Http3Grease.IsReserved(g.Id) || g.Value > VarInt.MaxValue))
            {
                throw new ArgumentException("A GREASE setting needs an identifier of form 0x1f * N + 0x21 and a varint value.", nameof(value));
            }

            _grease = value;
        }
    }

    /// <summary>Whether <paramref name="payload"/> is a sequence of whole (identifier, value) varint pairs.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> payload)
    {
        var reader = new QuicReader(payload);
        while (!reader.IsEmpty)
        {
            if (!reader.TryReadVarInt(out _) || !reader.TryReadVarInt(out _))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Parses a SETTINGS payload. Errors: H3_FRAME_ERROR for a cut pair; H3_SETTINGS_ERROR for a
    /// reserved HTTP/2 identifier (0x00, 0x02–0x05, §7.2.4.1, §11.2.2), a duplicate identifier (§7.2.4), or a
    /// boolean setting whose value is neither 0 nor 1.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out Http3Settings? settings, out Http3ErrorCode error)
    {
        settings = null;
        if (!IsWellFormed(payload))
        {
            error = Http3ErrorCode.FrameError;
            return false;
        }

        if (HasDuplicate(payload))
        {
            error = Http3ErrorCode.SettingsError;
            return false;
        }

        var result = new Http3Settings();
        var reader = new QuicReader(payload);
        while (reader.TryReadVarInt(out ulong id) && reader.TryReadVarInt(out ulong value))
        {
            if (!result.Apply(id, value))
            {
                error = Http3ErrorCode.SettingsError;
                return false;
            }
        }

        settings = result;
        error = Http3ErrorCode.NoError;
        return true;
    }

    /// <summary>The length of the SETTINGS payload <see cref="TryWritePayload"/> writes.</summary>
    public int GetPayloadLength()
    {
        int length = 0;
        foreach ((ulong id, ulong value) in Entries())
        {
            length += VarInt.EncodedLength(id) + VarInt.EncodedLength(value);
        }

        return length;
    }

    /// <summary>Writes the SETTINGS payload (no frame header).</summary>
    public bool TryWritePayload(Span<byte> destination, out int written)
    {
        var writer = new QuicWriter(destination);
        written = 0;
        foreach ((ulong id, ulong value) in Entries())
        {
            if (!writer.TryWriteVarInt(id) || !writer.TryWriteVarInt(value))
            {
                return false;
            }
        }

        written = writer.Written;
        return true;
    }

    /// <summary>Writes a whole SETTINGS frame (type, length, payload).</summary>
    public bool TryWriteFrame(Span<byte> destination, out int written)
    {
        int payloadLength = GetPayloadLength();
        written = 0;
        if (!Http3FrameWriter.TryWriteHeader(destination, (ulong)Http3FrameType.Settings, (ulong)payloadLength, out int header)
            || !TryWritePayload(destination[header..], out int body))
        {
            return false;
        }

        written = header + body;
        return true;
    }

    /// <summary>Writes a whole SETTINGS frame into <paramref name="writer"/>.</summary>
    public void WriteFrame(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int payloadLength = GetPayloadLength();
        Span<byte> span = writer.GetSpan(Http3FrameWriter.HeaderLength((ulong)Http3FrameType.Settings, (ulong)payloadLength) + payloadLength);
        TryWriteFrame(span, out int written);
        writer.Advance(written);
    }

    // The (identifier, value) pairs to send: those differing from the protocol defaults, then GREASE.
    private List<(ulong Id, ulong Value)> Entries()
    {
        var list = new List<(ulong, ulong)>(8);
        AddIfNonZero(list, Http3SettingId.QPackMaxTableCapacity, QPackMaxTableCapacity);
        if (MaxFieldSectionSize is { } max)
        {
            list.Add(((ulong)Http3SettingId.MaxFieldSectionSize, max));
        }

        AddIfNonZero(list, Http3SettingId.QPackBlockedStreams, QPackBlockedStreams);
        AddIfNonZero(list, Http3SettingId.EnableConnectProtocol, EnableConnectProtocol ? 1UL : 0);
        AddIfNonZero(list, Http3SettingId.H3Datagram, H3Datagram ? 1UL : 0);
        AddIfNonZero(list, Http3SettingId.H3DatagramDraft04, H3DatagramDraft04 ? 1UL : 0);
        AddIfNonZero(list, Http3SettingId.WebTransportEnabled, WebTransportEnabled ? 1UL : 0);
        AddIfNonZero(list, Http3SettingId.WebTransportInitialMaxStreamsUni, WebTransportInitialMaxStreamsUni);
        AddIfNonZero(list, Http3SettingId.WebTransportInitialMaxStreamsBidi, WebTransportInitialMaxStreamsBidi);
        AddIfNonZero(list, Http3SettingId.WebTransportInitialMaxData, WebTransportInitialMaxData);
        if (WebTransportMaxSessions is { } sessions)
        {
            list.Add(((ulong)Http3SettingId.WebTransportMaxSessions, sessions));
        }

        AddIfNonZero(list, Http3SettingId.EnableWebTransportDraft02, EnableWebTransportDraft02 ? 1UL : 0);
        if (WebTransportMaxSessionsDraft07 is { } draftSessions)
        {
            list.Add(((ulong)Http3SettingId.WebTransportMaxSessionsDraft07, draftSessions));
        }

        if (_grease is { } grease)
        {
            list.Add(grease);
        }

        return list;
    }

    private static void AddIfNonZero(List<(ulong, ulong)> list, Http3SettingId id, ulong value)
    {
        if (value != 0)
        {
            list.Add(((ulong)id, value));
        }
    }

    private static bool HasDuplicate(ReadOnlySpan<byte> payload)
    {
        // Each pair takes at least two bytes, which bounds the identifier count by the payload.
        int max = payload.Length / 2;
        ulong[]? rented = null;
        Span<ulong> ids = max <= StackIdLimit ? stackalloc ulong[StackIdLimit] : (rented = ArrayPool<ulong>.Shared.Rent(max));
        try
        {
            int count = 0;
            var reader = new QuicReader(payload);
            while (reader.TryReadVarInt(out ulong id) && reader.TryReadVarInt(out _))
            {
                ids[count++] = id;
            }

            Span<ulong> used = ids[..count];
            used.Sort();
            for (int i = 1; i < used.Length; i++)
            {
                if (used[i] == used[i - 1])
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<ulong>.Shared.Return(rented);
            }
        }
    }

    // Records one received setting; false for a value the setting forbids.
    private bool Apply(ulong id, ulong value)
    {
        // RFC 9297 §2.1.1, RFC 9220 §3, draft-ietf-webtrans-http3 §3.1: these are 0 or 1.
        bool flag = value == 1;
        bool isBoolean = id is (ulong)Http3SettingId.EnableConnectProtocol or (ulong)Http3SettingId.H3Datagram
            or (ulong)Http3SettingId.H3DatagramDraft04 or (ulong)Http3SettingId.WebTransportEnabled
            or (ulong)Http3SettingId.EnableWebTransportDraft02;
        if (isBoolean && value > 1)
        {
            return false;
        }

        switch (id)
        {
            case 0x00 or 0x02 or 0x03 or 0x04 or 0x05:
                // HTTP/2 identifiers with no HTTP/3 meaning (RFC 9114 §7.2.4.1); 0x00 is reserved
                // with them in the §11.2.2 registry, and no peer has a reason to send it.
                return false;
            case (ulong)Http3SettingId.QPackMaxTableCapacity:
                QPackMaxTableCapacity = value;
                break;
            case (ulong)Http3SettingId.MaxFieldSectionSize:
                MaxFieldSectionSize = value;
                break;
            case (ulong)Http3SettingId.QPackBlockedStreams:
                QPackBlockedStreams = value;
                break;
            case (ulong)Http3SettingId.EnableConnectProtocol:
                EnableConnectProtocol = flag;
                break;
            case (ulong)Http3SettingId.H3Datagram:
                H3Datagram = flag;
                break;
            case (ulong)Http3SettingId.H3DatagramDraft04:
                H3DatagramDraft04 = flag;
                break;
            case (ulong)Http3SettingId.WebTransportEnabled:
                WebTransportEnabled = flag;
                break;
            case (ulong)Http3SettingId.WebTransportInitialMaxStreamsUni:
                WebTransportInitialMaxStreamsUni = value;
                break;
            case (ulong)Http3SettingId.WebTransportInitialMaxStreamsBidi:
                WebTransportInitialMaxStreamsBidi = value;
                break;
            case (ulong)Http3SettingId.WebTransportInitialMaxData:
                WebTransportInitialMaxData = value;
                break;
            case (ulong)Http3SettingId.WebTransportMaxSessions:
                WebTransportMaxSessions = value;
                break;
            case (ulong)Http3SettingId.EnableWebTransportDraft02:
                EnableWebTransportDraft02 = flag;
                break;
            case (ulong)Http3SettingId.WebTransportMaxSessionsDraft07:
                WebTransportMaxSessionsDraft07 = value;
                break;
            default:
                break; // §7.2.4: unknown and GREASE identifiers are ignored
        }

        return true;
    }
}
