using System.Buffers.Binary;
using System.Net;

namespace SharpQuic.Core.Wire;

public sealed partial class TransportParameters
{
    /// <summary>
    /// Parses the transport parameters extension sent by the peer (RFC 9000 §18). Any violation
    /// is TRANSPORT_PARAMETER_ERROR with a short <paramref name="reason"/>: a truncated
    /// parameter, any id seen twice (§7.4), an integer value that is not exactly one varint,
    /// a server-only parameter sent by a client (§18.2), a value out of range, a connection ID
    /// over 20 bytes, a malformed preferred_address or version_information (RFC 9368 §4), or a
    /// missing initial_source_connection_id / original_destination_connection_id (§7.3).
    /// Unknown ids, GREASE (31 * N + 27, §18.1) among them, are skipped.
    /// </summary>
    /// <param name="data">The extension body: a sequence of (id, length, value).</param>
    /// <param name="sentByServer">True when the peer is the server (we are the client).</param>
    /// <param name="parameters">The parameters on success, otherwise null.</param>
    /// <param name="reason">Why parsing failed, otherwise null.</param>
    public static TransportErrorCode TryParse(ReadOnlySpan<byte> data, bool sentByServer, out TransportParameters? parameters, out string? reason)
    {
        parameters = null;
        var result = new TransportParameters();
        reason = result.Parse(data, sentByServer);
        if (reason is not null)
        {
            return TransportErrorCode.TransportParameterError;
        }

        parameters = result;
        return TransportErrorCode.NoError;
    }

    private string? Parse(ReadOnlySpan<byte> data, bool sentByServer)
    {
        var reader = new QuicReader(data);
        ulong seenKnown = 0;
        HashSet<ulong>? seenOther = null;
        while (!reader.IsEmpty)
        {
            if (!reader.TryReadVarInt(out ulong id) || !reader.TryReadLengthPrefixed(out ReadOnlySpan<byte> value))
            {
                return "truncated transport parameter";
            }

            // RFC 9000 §7.4: a parameter must not appear twice. Ids below 64 use a bit mask; the
            // rest (unknown or GREASE) a set, allocated only if such ids appear. The set is
            // bounded by the extension's own length.
            if (id < 64)
            {
                ulong bit = 1UL << (int)id;
                if ((seenKnown & bit) != 0)
                {
                    return "duplicate transport parameter";
                }

                seenKnown |= bit;
            }
            else if (!(seenOther ??= []).Add(id))
            {
                return "duplicate transport parameter";
            }

            string? error = ParseOne((TransportParameterId)id, value, sentByServer);
            if (error is not null)
            {
                return error;
            }
        }

        // RFC 9000 §7.3: initial_source_connection_id is mandatory for both endpoints and
        // original_destination_connection_id for the server.
        if (_initialSourceConnectionId is null)
        {
            return "missing initial_source_connection_id";
        }

        if (sentByServer && _originalDestinationConnectionId is null)
        {
            return "missing original_destination_connection_id";
        }

        return null;
    }

    private string? ParseOne(TransportParameterId id, ReadOnlySpan<byte> value, bool sentByServer)
    {
        switch (id)
        {
            case TransportParameterId.OriginalDestinationConnectionId:
            case TransportParameterId.RetrySourceConnectionId:
            case TransportParameterId.InitialSourceConnectionId:
            {
                if (!sentByServer && id != TransportParameterId.InitialSourceConnectionId)
                {
                    return "server-only transport parameter sent by a client";
                }

                if (value.Length > MaxConnectionIdLength)
                {
                    return "connection ID longer than 20 bytes";
                }

                byte[] cid = value.ToArray();
                if (id == TransportParameterId.OriginalDestinationConnectionId)
                {
                    _originalDestinationConnectionId = cid;
                }
                else if (id == TransportParameterId.RetrySourceConnectionId)
                {
                    _retrySourceConnectionId = cid;
                }
                else
                {
                    _initialSourceConnectionId = cid;
                }

                return null;
            }

            case TransportParameterId.StatelessResetToken:
                if (!sentByServer)
                {
                    return "server-only transport parameter sent by a client";
                }

                if (value.Length != 16)
                {
                    return "stateless_reset_token is not 16 bytes";
                }

                _statelessResetToken = value.ToArray();
                return null;

            case TransportParameterId.DisableActiveMigration:
                if (!value.IsEmpty)
                {
                    return "disable_active_migration has a value";
                }

                DisableActiveMigration = true;
                return null;

            case TransportParameterId.ResetStreamAt:
                // draft-ietf-quic-reliable-stream-reset §3: the value must be empty.
                if (!value.IsEmpty)
                {
                    return "reset_stream_at has a value";
                }

                ResetStreamAt = true;
                return null;

            case TransportParameterId.PreferredAddress:
                return sentByServer ? ParsePreferredAddress(value) : "server-only transport parameter sent by a client";

            case TransportParameterId.VersionInformation:
                return ParseVersionInformation(value, sentByServer);

            default:
                return IsIntegerParameter(id) ? ParseInteger(id, value) : null;
        }
    }

    private static bool IsIntegerParameter(TransportParameterId id) =>
        id is TransportParameterId.MaxIdleTimeout
            or (>= TransportParameterId.MaxUdpPayloadSize and <= TransportParameterId.MaxAckDelay)
            or TransportParameterId.ActiveConnectionIdLimit
            or TransportParameterId.MaxDatagramFrameSize;

    private string? ParseInteger(TransportParameterId id, ReadOnlySpan<byte> value)
    {
        // RFC 9000 §18.2: the value of an integer parameter is one varint filling the value.
        if (!VarInt.TryRead(value, out ulong v, out int n) || n != value.Length)
        {
            return "integer transport parameter is not exactly one varint";
        }

        switch (id)
        {
            case TransportParameterId.MaxIdleTimeout: MaxIdleTimeout = v; break;
            case TransportParameterId.MaxUdpPayloadSize:
                if (v < MinMaxUdpPayloadSize)
                {
                    return "max_udp_payload_size below 1200";
                }

                _maxUdpPayloadSize = v;
                break;
            case TransportParameterId.InitialMaxData: InitialMaxData = v; break;
            case TransportParameterId.InitialMaxStreamDataBidiLocal: InitialMaxStreamDataBidiLocal = v; break;
            case TransportParameterId.InitialMaxStreamDataBidiRemote: InitialMaxStreamDataBidiRemote = v; break;
            case TransportParameterId.InitialMaxStreamDataUni: InitialMaxStreamDataUni = v; break;
            case TransportParameterId.InitialMaxStreamsBidi:
            case TransportParameterId.InitialMaxStreamsUni:
                if (v > MaxStreamCount)
                {
                    return "initial_max_streams above 2^60";
                }

                if (id == TransportParameterId.InitialMaxStreamsBidi)
                {
                    _initialMaxStreamsBidi = v;
                }
                else
                {
                    _initialMaxStreamsUni = v;
                }

                break;
            case TransportParameterId.AckDelayExponent:
                if (v > MaxAckDelayExponent)
                {
                    return "ack_delay_exponent above 20";
                }

                _ackDelayExponent = v;
                break;
            case TransportParameterId.MaxAckDelay:
                if (v >= MaxAckDelayLimit)
                {
                    return "max_ack_delay of 2^14 or more";
                }

                _maxAckDelay = v;
                break;
            case TransportParameterId.ActiveConnectionIdLimit:
                if (v < 2)
                {
                    return "active_connection_id_limit below 2";
                }

                _activeConnectionIdLimit = v;
                break;
            default: // MaxDatagramFrameSize
                MaxDatagramFrameSize = v;
                break;
        }

        return null;
    }

    private string? ParsePreferredAddress(ReadOnlySpan<byte> value)
    {
        // RFC 9000 §18.2: IPv4 (4) + port (2) + IPv6 (16) + port (2) + CID length (1) + CID + token (16).
        if (value.Length < PreferredAddress.FixedLength)
        {
            return "preferred_address too short";
        }

        int cidLength = value[24];
        if (cidLength == 0)
        {
            return "preferred_address with a zero-length connection ID";
        }

        if (cidLength > MaxConnectionIdLength)
        {
            return "connection ID longer than 20 bytes";
        }

        if (value.Length != PreferredAddress.FixedLength + cidLength)
        {
            return "preferred_address length mismatch";
        }

        PreferredAddress = new PreferredAddress(
            new IPAddress(value[..4]),
            BinaryPrimitives.ReadUInt16BigEndian(value[4..]),
            new IPAddress(value.Slice(6, 16)),
            BinaryPrimitives.ReadUInt16BigEndian(value[22..]),
            value.Slice(25, cidLength).ToArray(),
            value.Slice(25 + cidLength, 16).ToArray());
        return null;
    }

    private string? ParseVersionInformation(ReadOnlySpan<byte> value, bool sentByServer)
    {
        // RFC 9368 §4: a length that is not a non-zero multiple of four, or any version equal
        // to zero, is a parsing failure; so is a client's list that lacks its chosen version.
        if (value.Length < 4 || value.Length % 4 != 0)
        {
            return "version_information length is not a non-zero multiple of 4";
        }

        uint chosen = BinaryPrimitives.ReadUInt32BigEndian(value);
        var available = new uint[(value.Length / 4) - 1];
        bool containsChosen = false;
        for (int i = 0; i < available.Length; i++)
        {
            available[i] = BinaryPrimitives.ReadUInt32BigEndian(value[(4 * (i + 1))..]);
            containsChosen |= available[i] == chosen;
            if (available[i] == 0)
            {
                return "version_information with a zero version";
            }
        }

        if (chosen == 0)
        {
            return "version_information with a zero version";
        }

        if (!sentByServer && !containsChosen)
        {
            return "version_information: chosen version not among the client's available versions";
        }

        VersionInformation = new VersionInformation(chosen, available);
        return null;
    }
}
