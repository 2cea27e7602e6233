using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Qlog;

/// <summary>
/// Writes one connection's events as a qlog JSON Text Sequence (draft-ietf-quic-qlog-main-schema §"QlogFileSeq",
/// RFC 7464): a header record with the trace, then one record per event, each record an RS (0x1E), a JSON object
/// and an LF. Times are milliseconds relative to the connection's creation (a monotonic clock, epoch unknown).
/// Writer-side allocation is accepted: it runs only when tracing is on.
/// </summary>
internal sealed partial class QlogWriter : IConnectionTracer
{
    /// <summary>The draft event schema (quic-events §"Draft Event Schema Identification": drafts append "-NN").</summary>
    public const string EventSchema = "urn:ietf:params:qlog:events:quic-13";

    private const byte RecordSeparator = 0x1E;
    private const byte LineFeed = 0x0A;
    private const int FlushEvery = 256;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Instant _origin;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _json;
    private readonly List<ulong>[] _pendingAcked = [[], [], []];
    private Instant _latest;
    private Instant? _latestAckedSentTime;
    private RecoverySnapshot? _lastMetrics;
    private string? _congestionState;
    private int _localAckDelayExponent = 3;
    private int _peerAckDelayExponent = 3;
    private int _sinceFlush;
    private bool _failed;
    private bool _disposed;

    /// <summary>Starts a trace: writes the header record at once.</summary>
    /// <param name="stream">Where the records go (a buffered stream is best: a record is a few small writes).</param>
    /// <param name="isServer">The vantage point.</param>
    /// <param name="originalDestinationConnectionId">The group_id of the trace (RFC 9000 §7.3 original_destination_connection_id).</param>
    /// <param name="now">The creation time, time zero of the trace.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves <paramref name="stream"/> open.</param>
    public QlogWriter(Stream stream, bool isServer, ConnectionId originalDestinationConnectionId, Instant now, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _origin = now;
        _latest = now;
        _json = new Utf8JsonWriter(_buffer);
        WriteHeader(isServer, originalDestinationConnectionId);
    }

    /// <inheritdoc/>
    public void ConnectionStarted(Instant now, IPEndPoint remote, QuicVersion version, ReadOnlySpan<byte> sourceConnectionId, ReadOnlySpan<byte> destinationConnectionId)
    {
        ArgumentNullException.ThrowIfNull(remote);
        BeginEvent(now, "quic:connection_started");
        _json.WriteStartObject("local");
        WriteConnectionIds(sourceConnectionId);
        _json.WriteEndObject();
        _json.WriteStartObject("remote");
        bool v4 = remote.AddressFamily == AddressFamily.InterNetwork;
        _json.WriteString(v4 ? "ip_v4" : "ip_v6", remote.Address.ToString());
        _json.WriteNumber(v4 ? "port_v4" : "port_v6", remote.Port);
        WriteConnectionIds(destinationConnectionId);
        _json.WriteEndObject();
        _json.WriteString("version", version.Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        EndEvent();
    }

    /// <inheritdoc/>
    public void ParametersSet(Instant now, bool remote, TransportParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (remote)
        {
            _peerAckDelayExponent = (int)parameters.AckDelayExponent;
        }
        else
        {
            _localAckDelayExponent = (int)parameters.AckDelayExponent;
        }

        BeginEvent(now, "quic:parameters_set");
        _json.WriteString("initiator", remote ? "remote" : "local");
        WriteHexIfSet("original_destination_connection_id", parameters.OriginalDestinationConnectionId);
        WriteHexIfSet("initial_source_connection_id", parameters.InitialSourceConnectionId);
        WriteHexIfSet("retry_source_connection_id", parameters.RetrySourceConnectionId);
        WriteHexIfSet("stateless_reset_token", parameters.StatelessResetToken);
        _json.WriteBoolean("disable_active_migration", parameters.DisableActiveMigration);
        _json.WriteNumber("max_idle_timeout", parameters.MaxIdleTimeout);
        _json.WriteNumber("max_udp_payload_size", parameters.MaxUdpPayloadSize);
        _json.WriteNumber("ack_delay_exponent", parameters.AckDelayExponent);
        _json.WriteNumber("max_ack_delay", parameters.MaxAckDelay);
        _json.WriteNumber("active_connection_id_limit", parameters.ActiveConnectionIdLimit);
        _json.WriteNumber("initial_max_data", parameters.InitialMaxData);
        _json.WriteNumber("initial_max_stream_data_bidi_local", parameters.InitialMaxStreamDataBidiLocal);
        _json.WriteNumber("initial_max_stream_data_bidi_remote", parameters.InitialMaxStreamDataBidiRemote);
        _json.WriteNumber("initial_max_stream_data_uni", parameters.InitialMaxStreamDataUni);
        _json.WriteNumber("initial_max_streams_bidi", parameters.InitialMaxStreamsBidi);
        _json.WriteNumber("initial_max_streams_uni", parameters.InitialMaxStreamsUni);
        if (parameters.MaxDatagramFrameSize > 0)
        {
            _json.WriteNumber("max_datagram_frame_size", parameters.MaxDatagramFrameSize);
        }

        EndEvent();
    }

    /// <inheritdoc/>
    public void PacketSent(Instant now, PacketType type, ulong packetNumber, int length, ReadOnlySpan<byte> payload) =>
        WritePacket(now, "quic:packet_sent", type, packetNumber, length, payload, _localAckDelayExponent);

    /// <inheritdoc/>
    public void PacketReceived(Instant now, PacketType type, ulong packetNumber, int length, ReadOnlySpan<byte> payload) =>
        WritePacket(now, "quic:packet_received", type, packetNumber, length, payload, _peerAckDelayExponent);

    /// <inheritdoc/>
    public void PacketAcked(PacketNumberSpace space, ulong packetNumber, Instant timeSent)
    {
        _pendingAcked[(int)space].Add(packetNumber);
        if (_latestAckedSentTime is not Instant t || timeSent > t)
        {
            _latestAckedSentTime = timeSent;
        }
    }

    /// <inheritdoc/>
    public void PacketLost(PacketNumberSpace space, ulong packetNumber)
    {
        BeginEvent(_latest, "quic:packet_lost");
        _json.WriteStartObject("header");
        _json.WriteString("packet_type", PacketTypeName(space));
        _json.WriteNumber("packet_number", packetNumber);
        _json.WriteEndObject();
        EndEvent();
    }

    /// <inheritdoc/>
    public void RecoveryUpdated(Instant now, in RecoverySnapshot snapshot)
    {
        if (now > _latest)
        {
            _latest = now;
        }

        FlushAcked(now);
        WriteMetrics(now, snapshot);
        string state = CongestionStateName(snapshot);
        if (state != _congestionState)
        {
            BeginEvent(now, "quic:congestion_state_updated");
            if (_congestionState is not null)
            {
                _json.WriteString("old", _congestionState);
            }

            _json.WriteString("new", state);
            EndEvent();
            _congestionState = state;
        }
    }

    /// <inheritdoc/>
    public void StreamStateUpdated(ulong streamId, bool sendingSide, QlogStreamState state, QlogTrigger trigger)
    {
        BeginEvent(_latest, "quic:stream_state_updated");
        _json.WriteNumber("stream_id", streamId);

        // RFC 9000 §2.1: bit 0x02 of the stream ID marks a unidirectional stream.
        _json.WriteString("stream_type", (streamId & 0x02) != 0 ? "unidirectional" : "bidirectional");
        _json.WriteString("new", state == QlogStreamState.Open ? "open" : "closed");
        _json.WriteString("stream_side", sendingSide ? "sending" : "receiving");
        if (trigger != QlogTrigger.None)
        {
            _json.WriteString("trigger", trigger == QlogTrigger.Local ? "local" : "remote");
        }

        EndEvent();
    }

    /// <inheritdoc/>
    public void ConnectionClosed(Instant now, ConnectionCloseInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        BeginEvent(now, "quic:connection_closed");
        _json.WriteString("initiator", info.Reason == CloseReason.Local ? "local" : "remote");
        if (info.Reason is CloseReason.Local or CloseReason.Remote)
        {
            if (info.IsApplicationError)
            {
                _json.WriteString("application_error", "unknown");
                _json.WriteNumber("error_code", info.ErrorCode);
            }
            else
            {
                WriteTransportError("connection_error", info.ErrorCode);
            }
        }

        if (info.ReasonPhrase.Length > 0)
        {
            _json.WriteString("reason", info.ReasonPhrase);
        }

        string? trigger = info.Reason switch
        {
            CloseReason.Local => info.IsApplicationError ? "application" : "error",
            CloseReason.IdleTimeout => "idle_timeout",
            CloseReason.StatelessReset => "stateless_reset",
            CloseReason.VersionNegotiation => "version_mismatch",
            CloseReason.HandshakeTimeout => "unspecified",
            _ => null,
        };
        if (trigger is not null)
        {
            _json.WriteString("trigger", trigger);
        }

        EndEvent();

        // The trace is complete in substance: make it durable now rather than at disposal.
        FlushStream();
    }

    /// <summary>Writes what is pending and flushes; closes the stream unless told to leave it open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        FlushAcked(_latest);
        _json.Dispose();
        FlushStream();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void WriteHeader(bool isServer, ConnectionId odcid)
    {
        _json.WriteStartObject();
        _json.WriteString("file_schema", "urn:ietf:params:qlog:file:sequential");
        _json.WriteString("serialization_format", "application/qlog+json-seq");

        // Not in the draft: the two fields qvis and older tools look for to recognise a JSON-SEQ file.
        _json.WriteString("qlog_format", "JSON-SEQ");
        _json.WriteString("qlog_version", "0.3");
        _json.WriteString("title", "SharpQuic " + (isServer ? "server" : "client"));
        _json.WriteStartObject("trace");
        _json.WriteStartObject("common_fields");
        string group = Convert.ToHexStringLower(odcid.Span);
        _json.WriteString("group_id", group);
        _json.WriteString("ODCID", group);
        _json.WriteString("time_format", "relative_to_epoch");
        _json.WriteStartObject("reference_time");
        _json.WriteString("clock_type", "monotonic");
        _json.WriteString("epoch", "unknown");
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteStartObject("vantage_point");
        _json.WriteString("name", "SharpQuic");
        _json.WriteString("type", isServer ? "server" : "client");
        _json.WriteEndObject();
        _json.WriteStartArray("event_schemas");
        _json.WriteStringValue(EventSchema);
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.WriteEndObject();
        EndRecord();
    }

    private void WritePacket(Instant now, string name, PacketType type, ulong packetNumber, int length, ReadOnlySpan<byte> payload, int ackDelayExponent)
    {
        BeginEvent(now, name);
        _json.WriteStartObject("header");
        _json.WriteString("packet_type", PacketTypeName(type));
        _json.WriteNumber("packet_number", packetNumber);
        _json.WriteEndObject();
        _json.WriteStartObject("raw");
        _json.WriteNumber("length", length);
        _json.WriteNumber("payload_length", payload.Length);
        _json.WriteEndObject();
        _json.WriteStartArray("frames");
        WriteFrames(payload, type, ackDelayExponent);
        _json.WriteEndArray();
        EndEvent();
    }

    private void WriteMetrics(Instant now, in RecoverySnapshot m)
    {
        RecoverySnapshot? last = _lastMetrics;
        bool any = false;
        WriteMs(ref any, now, "min_rtt", m.MinRtt, last?.MinRtt);
        WriteMs(ref any, now, "smoothed_rtt", m.SmoothedRtt, last?.SmoothedRtt);
        WriteMs(ref any, now, "latest_rtt", m.LatestRtt, last?.LatestRtt);
        WriteMs(ref any, now, "rtt_variance", m.RttVariance, last?.RttVariance);
        WriteCount(ref any, now, "pto_count", m.PtoCount, last?.PtoCount);
        WriteCount(ref any, now, "congestion_window", m.CongestionWindow, last?.CongestionWindow);
        WriteCount(ref any, now, "bytes_in_flight", m.BytesInFlight, last?.BytesInFlight);
        if (m.SlowStartThreshold is >= 0 and < long.MaxValue)
        {
            WriteCount(ref any, now, "ssthresh", m.SlowStartThreshold, last?.SlowStartThreshold);
        }

        if (any)
        {
            EndEvent();
        }

        _lastMetrics = m;
    }

    private void WriteMs(ref bool any, Instant now, string name, TimeSpan value, TimeSpan? previous)
    {
        // RTT values are zero until the first sample: nothing observed yet, nothing to log.
        if (value == previous || value <= TimeSpan.Zero)
        {
            return;
        }

        BeginMetrics(ref any, now);
        _json.WriteNumber(name, value.TotalMicroseconds / 1000.0);
    }

    private void WriteCount(ref bool any, Instant now, string name, long value, long? previous)
    {
        if (value == previous)
        {
            return;
        }

        BeginMetrics(ref any, now);
        _json.WriteNumber(name, value);
    }

    private void BeginMetrics(ref bool any, Instant now)
    {
        if (!any)
        {
            any = true;
            BeginEvent(now, "quic:recovery_metrics_updated");
        }
    }

    /// <summary>
    /// RFC 9002 §7.3: recovery from the congestion event until a packet sent after it is acknowledged; otherwise
    /// application-limited (§7.8), slow start below ssthresh, congestion avoidance at or above.
    /// </summary>
    private string CongestionStateName(in RecoverySnapshot m)
    {
        if (m.RecoveryStartTime is Instant start && (_latestAckedSentTime is not Instant acked || acked <= start))
        {
            return "recovery";
        }

        if (m.AppLimited)
        {
            return "application_limited";
        }

        long ssthresh = m.SlowStartThreshold < 0 ? long.MaxValue : m.SlowStartThreshold;
        return m.CongestionWindow < ssthresh ? "slow_start" : "congestion_avoidance";
    }

    private void FlushAcked(Instant now)
    {
        for (int s = 0; s < _pendingAcked.Length; s++)
        {
            List<ulong> list = _pendingAcked[s];
            if (list.Count == 0)
            {
                continue;
            }

            BeginEvent(now, "quic:packets_acked");
            _json.WriteString("packet_number_space", SpaceName((PacketNumberSpace)s));
            _json.WriteStartArray("packet_numbers");
            foreach (ulong pn in list)
            {
                _json.WriteNumberValue(pn);
            }

            _json.WriteEndArray();
            EndEvent();
            list.Clear();
        }
    }

    private void BeginEvent(Instant now, string name)
    {
        if (now > _latest)
        {
            _latest = now;
        }

        _json.WriteStartObject();
        _json.WriteNumber("time", (_latest - _origin).TotalMicroseconds / 1000.0);
        _json.WriteString("name", name);
        _json.WriteStartObject("data");
    }

    private void EndEvent()
    {
        _json.WriteEndObject();
        _json.WriteEndObject();
        EndRecord();
    }

    /// <summary>RFC 7464 §2: RS, the JSON text, LF.</summary>
    private void EndRecord()
    {
        _json.Flush();
        if (!_failed)
        {
            try
            {
                _stream.WriteByte(RecordSeparator);
                _stream.Write(_buffer.WrittenSpan);
                _stream.WriteByte(LineFeed);
                if (++_sinceFlush >= FlushEvery)
                {
                    _sinceFlush = 0;
                    _stream.Flush();
                }
            }
            catch (IOException)
            {
                // A full disk must not break the connection: the trace stops, the connection goes on.
                _failed = true;
            }
        }

        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
    }

    private void FlushStream()
    {
        _sinceFlush = 0;
        if (_failed)
        {
            return;
        }

        try
        {
            _stream.Flush();
        }
        catch (IOException)
        {
            _failed = true;
        }
    }

    private void WriteConnectionIds(ReadOnlySpan<byte> cid)
    {
        _json.WriteStartArray("connection_ids");
        _json.WriteStringValue(Convert.ToHexStringLower(cid));
        _json.WriteEndArray();
    }

    private void WriteHexIfSet(string name, byte[]? value)
    {
        if (value is not null)
        {
            _json.WriteString(name, Convert.ToHexStringLower(value));
        }
    }

    private static string PacketTypeName(PacketType type) => type switch
    {
        PacketType.Initial => "initial",
        PacketType.Handshake => "handshake",
        PacketType.ZeroRtt => "0RTT",
        PacketType.OneRtt => "1RTT",
        PacketType.Retry => "retry",
        PacketType.VersionNegotiation => "version_negotiation",
        _ => "unknown",
    };

    private static string PacketTypeName(PacketNumberSpace space) => space switch
    {
        PacketNumberSpace.Initial => "initial",
        PacketNumberSpace.Handshake => "handshake",
        _ => "1RTT",
    };

    private static string SpaceName(PacketNumberSpace space) => space switch
    {
        PacketNumberSpace.Initial => "initial",
        PacketNumberSpace.Handshake => "handshake",
        _ => "application_data",
    };
}
