namespace SharpQuic.Core.Wire;

/// <summary>
/// The QUIC transport parameters one endpoint sends the other in its TLS handshake
/// (RFC 9000 §7.4, §18; RFC 9221 §3; RFC 9368 §3). Every property starts at the default the
/// RFC gives for an absent parameter. Parsing is in <see cref="TryParse"/>, encoding in
/// <see cref="TryWrite(Span{byte}, out int)"/>; unknown parameters (GREASE included) are
/// ignored on read and not kept.
/// </summary>
public sealed partial class TransportParameters
{
    /// <summary>The longest connection ID in QUIC version 1 (RFC 9000 §17.2).</summary>
    public const int MaxConnectionIdLength = 20;

    /// <summary>The smallest allowed max_udp_payload_size (RFC 9000 §18.2).</summary>
    public const ulong MinMaxUdpPayloadSize = 1200;

    /// <summary>The largest allowed ack_delay_exponent (RFC 9000 §18.2).</summary>
    public const ulong MaxAckDelayExponent = 20;

    /// <summary>max_ack_delay must be below this value, 2^14 ms (RFC 9000 §18.2).</summary>
    public const ulong MaxAckDelayLimit = 1UL << 14;

    /// <summary>The largest initial_max_streams_* value: 2^60 (RFC 9000 §18.2, §4.6).</summary>
    public const ulong MaxStreamCount = 1UL << 60;

    private ulong _maxUdpPayloadSize = 65527;
    private ulong _ackDelayExponent = 3;
    private ulong _maxAckDelay = 25;
    private ulong _activeConnectionIdLimit = 2;
    private ulong _initialMaxStreamsBidi;
    private ulong _initialMaxStreamsUni;
    private byte[]? _originalDestinationConnectionId;
    private byte[]? _initialSourceConnectionId;
    private byte[]? _retrySourceConnectionId;
    private byte[]? _statelessResetToken;

    /// <summary>original_destination_connection_id (0x00): the DCID of the client's first Initial; server only.</summary>
    public byte[]? OriginalDestinationConnectionId
    {
        get => _originalDestinationConnectionId;
        set => _originalDestinationConnectionId = CheckConnectionId(value);
    }

    /// <summary>max_idle_timeout (0x01) in milliseconds; 0 disables the idle timeout.</summary>
    public ulong MaxIdleTimeout { get; set => field = CheckVarInt(value); }

    /// <summary>stateless_reset_token (0x02): 16 bytes; server only.</summary>
    public byte[]? StatelessResetToken
    {
        get => _statelessResetToken;
        set
        {
            if (value is not null)
            {
                ArgumentOutOfRangeException.ThrowIfNotEqual(value.Length, 16, nameof(value));
            }

            _statelessResetToken = value;
        }
    }

    /// <summary>max_udp_payload_size (0x03); default 65527, at least 1200.</summary>
    public ulong MaxUdpPayloadSize
    {
        get => _maxUdpPayloadSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, MinMaxUdpPayloadSize);
            _maxUdpPayloadSize = CheckVarInt(value);
        }
    }

    /// <summary>initial_max_data (0x04).</summary>
    public ulong InitialMaxData { get; set => field = CheckVarInt(value); }

    /// <summary>initial_max_stream_data_bidi_local (0x05).</summary>
    public ulong InitialMaxStreamDataBidiLocal { get; set => field = CheckVarInt(value); }

    /// <summary>initial_max_stream_data_bidi_remote (0x06).</summary>
    public ulong InitialMaxStreamDataBidiRemote { get; set => field = CheckVarInt(value); }

    /// <summary>initial_max_stream_data_uni (0x07).</summary>
    public ulong InitialMaxStreamDataUni { get; set => field = CheckVarInt(value); }

    /// <summary>initial_max_streams_bidi (0x08); at most 2^60.</summary>
    public ulong InitialMaxStreamsBidi
    {
        get => _initialMaxStreamsBidi;
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxStreamCount);
            _initialMaxStreamsBidi = value;
        }
    }

    /// <summary>initial_max_streams_uni (0x09); at most 2^60.</summary>
    public ulong InitialMaxStreamsUni
    {
        get => _initialMaxStreamsUni;
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxStreamCount);
            _initialMaxStreamsUni = value;
        }
    }

    /// <summary>ack_delay_exponent (0x0a); default 3, at most 20.</summary>
    public ulong AckDelayExponent
    {
        get => _ackDelayExponent;
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxAckDelayExponent);
            _ackDelayExponent = value;
        }
    }

    /// <summary>max_ack_delay (0x0b) in milliseconds; default 25, below 2^14.</summary>
    public ulong MaxAckDelay
    {
        get => _maxAckDelay;
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, MaxAckDelayLimit);
            _maxAckDelay = value;
        }
    }

    /// <summary>disable_active_migration (0x0c).</summary>
    public bool DisableActiveMigration { get; set; }

    /// <summary>preferred_address (0x0d); server only.</summary>
    public PreferredAddress? PreferredAddress { get; set; }

    /// <summary>active_connection_id_limit (0x0e); default 2, at least 2.</summary>
    public ulong ActiveConnectionIdLimit
    {
        get => _activeConnectionIdLimit;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2UL);
            _activeConnectionIdLimit = CheckVarInt(value);
        }
    }

    /// <summary>initial_source_connection_id (0x0f): the SCID of the sender's first Initial (may be empty).</summary>
    public byte[]? InitialSourceConnectionId
    {
        get => _initialSourceConnectionId;
        set => _initialSourceConnectionId = CheckConnectionId(value);
    }

    /// <summary>retry_source_connection_id (0x10): the SCID of the server's Retry; server only.</summary>
    public byte[]? RetrySourceConnectionId
    {
        get => _retrySourceConnectionId;
        set => _retrySourceConnectionId = CheckConnectionId(value);
    }

    /// <summary>version_information (0x11, RFC 9368 §3), or null when absent.</summary>
    public VersionInformation? VersionInformation { get; set; }

    /// <summary>reset_stream_at (0x1d, draft-ietf-quic-reliable-stream-reset §3): the sender accepts RESET_STREAM_AT frames.</summary>
    public bool ResetStreamAt { get; set; }

    /// <summary>max_datagram_frame_size (0x20, RFC 9221 §3); 0 (absent) means DATAGRAM frames are not supported.</summary>
    public ulong MaxDatagramFrameSize { get; set => field = CheckVarInt(value); }

    private static ulong CheckVarInt(ulong value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, VarInt.MaxValue);
        return value;
    }

    private static byte[]? CheckConnectionId(byte[]? value)
    {
        if (value is not null)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, MaxConnectionIdLength, nameof(value));
        }

        return value;
    }
}
