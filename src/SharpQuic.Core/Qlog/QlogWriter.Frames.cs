using SharpQuic.Core.Packets;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Qlog;

/// <summary>
/// The frames list of packet_sent / packet_received (quic-events §"QUIC Frames"), read back from the plaintext
/// payload with the same <see cref="FrameReader"/> the connection uses, so the core passes one span and nothing else.
/// </summary>
internal sealed partial class QlogWriter
{
    private void WriteFrames(ReadOnlySpan<byte> payload, PacketType packetType, int ackDelayExponent)
    {
        if (payload.IsEmpty)
        {
            return;
        }

        var frames = new FrameReader(payload, packetType);
        while (frames.TryReadNext(out FrameType type, out TransportErrorCode error))
        {
            int start = frames.Position;
            error = WriteFrame(ref frames, type, ackDelayExponent);
            if (error != TransportErrorCode.NoError)
            {
                WriteUnknownFrame(frames.RawFrameType, payload.Length - start);
                return;
            }
        }
    }

    private TransportErrorCode WriteFrame(ref FrameReader frames, FrameType type, int ackDelayExponent)
    {
        TransportErrorCode error;
        switch (type)
        {
            case FrameType.Padding:
                error = frames.ReadPadding(out PaddingFrame padding);
                if (error == TransportErrorCode.NoError)
                {
                    // quic-events §"PaddingFrame": one frame for the run, its size in raw.payload_length.
                    _json.WriteStartObject();
                    _json.WriteString("frame_type", "padding");
                    WriteRaw(padding.Length, padding.Length);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.Ping:
                error = frames.Skip();
                WriteSimple("ping", error);
                return error;
            case FrameType.HandshakeDone:
                error = frames.Skip();
                WriteSimple("handshake_done", error);
                return error;
            case FrameType.Ack or FrameType.AckEcn:
                error = frames.ReadAck(out AckFrame ack);
                if (error == TransportErrorCode.NoError)
                {
                    WriteAck(ack, ackDelayExponent);
                }

                return error;
            case FrameType.Crypto:
                error = frames.ReadCrypto(out CryptoFrame crypto);
                if (error == TransportErrorCode.NoError)
                {
                    _json.WriteStartObject();
                    _json.WriteString("frame_type", "crypto");
                    _json.WriteNumber("offset", crypto.Offset);
                    _json.WriteNumber("length", crypto.Data.Length);
                    WriteRaw(crypto.Data.Length, crypto.Data.Length);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.Stream:
                error = frames.ReadStream(out StreamFrame stream);
                if (error == TransportErrorCode.NoError)
                {
                    _json.WriteStartObject();
                    _json.WriteString("frame_type", "stream");
                    _json.WriteNumber("stream_id", stream.StreamId);
                    _json.WriteNumber("offset", stream.Offset);
                    _json.WriteNumber("length", stream.Data.Length);
                    if (stream.Fin)
                    {
                        _json.WriteBoolean("fin", true);
                    }

                    WriteRaw(stream.Data.Length, stream.Data.Length);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.ResetStream:
                error = frames.ReadResetStream(out ResetStreamFrame reset);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("reset_stream");
                    _json.WriteNumber("stream_id", reset.StreamId);
                    _json.WriteString("error", "unknown");
                    _json.WriteNumber("error_code", reset.ApplicationErrorCode);
                    _json.WriteNumber("final_size", reset.FinalSize);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.ResetStreamAt:
                error = frames.ReadResetStreamAt(out ResetStreamAtFrame resetAt);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("reset_stream_at");
                    _json.WriteNumber("stream_id", resetAt.StreamId);
                    _json.WriteString("error", "unknown");
                    _json.WriteNumber("error_code", resetAt.ApplicationErrorCode);
                    _json.WriteNumber("final_size", resetAt.FinalSize);
                    _json.WriteNumber("reliable_size", resetAt.ReliableSize);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.StopSending:
                error = frames.ReadStopSending(out StopSendingFrame stop);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("stop_sending");
                    _json.WriteNumber("stream_id", stop.StreamId);
                    _json.WriteString("error", "unknown");
                    _json.WriteNumber("error_code", stop.ApplicationErrorCode);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.NewToken:
                error = frames.ReadNewToken(out NewTokenFrame token);
                if (error == TransportErrorCode.NoError)
                {
                    // The token's bytes are a credential: only its length is logged.
                    BeginFrame("new_token");
                    _json.WriteStartObject("token");
                    _json.WriteString("type", "resumption");
                    _json.WriteStartObject("raw");
                    _json.WriteNumber("length", token.Token.Length);
                    _json.WriteEndObject();
                    _json.WriteEndObject();
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.MaxData:
                error = frames.ReadMaxData(out MaxDataFrame maxData);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("max_data");
                    _json.WriteNumber("maximum", maxData.MaximumData);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.MaxStreamData:
                error = frames.ReadMaxStreamData(out MaxStreamDataFrame maxStreamData);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("max_stream_data");
                    _json.WriteNumber("stream_id", maxStreamData.StreamId);
                    _json.WriteNumber("maximum", maxStreamData.MaximumStreamData);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.MaxStreamsBidi or FrameType.MaxStreamsUni:
                error = frames.ReadMaxStreams(out MaxStreamsFrame maxStreams);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("max_streams");
                    _json.WriteString("stream_type", maxStreams.Bidirectional ? "bidirectional" : "unidirectional");
                    _json.WriteNumber("maximum", maxStreams.MaximumStreams);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.DataBlocked:
                error = frames.ReadDataBlocked(out DataBlockedFrame dataBlocked);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("data_blocked");
                    _json.WriteNumber("limit", dataBlocked.MaximumData);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.StreamDataBlocked:
                error = frames.ReadStreamDataBlocked(out StreamDataBlockedFrame streamDataBlocked);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("stream_data_blocked");
                    _json.WriteNumber("stream_id", streamDataBlocked.StreamId);
                    _json.WriteNumber("limit", streamDataBlocked.MaximumStreamData);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.StreamsBlockedBidi or FrameType.StreamsBlockedUni:
                error = frames.ReadStreamsBlocked(out StreamsBlockedFrame streamsBlocked);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("streams_blocked");
                    _json.WriteString("stream_type", streamsBlocked.Bidirectional ? "bidirectional" : "unidirectional");
                    _json.WriteNumber("limit", streamsBlocked.MaximumStreams);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.NewConnectionId:
                error = frames.ReadNewConnectionId(out NewConnectionIdFrame ncid);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("new_connection_id");
                    _json.WriteNumber("sequence_number", ncid.SequenceNumber);
                    _json.WriteNumber("retire_prior_to", ncid.RetirePriorTo);
                    _json.WriteNumber("connection_id_length", ncid.ConnectionId.Length);
                    _json.WriteString("connection_id", Convert.ToHexStringLower(ncid.ConnectionId));
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.RetireConnectionId:
                error = frames.ReadRetireConnectionId(out RetireConnectionIdFrame retire);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("retire_connection_id");
                    _json.WriteNumber("sequence_number", retire.SequenceNumber);
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.PathChallenge:
                error = frames.ReadPathChallenge(out PathChallengeFrame challenge);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("path_challenge");
                    _json.WriteString("data", challenge.Data.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.PathResponse:
                error = frames.ReadPathResponse(out PathResponseFrame response);
                if (error == TransportErrorCode.NoError)
                {
                    BeginFrame("path_response");
                    _json.WriteString("data", response.Data.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                    _json.WriteEndObject();
                }

                return error;
            case FrameType.ConnectionClose or FrameType.ConnectionCloseApplication:
                error = frames.ReadConnectionClose(out ConnectionCloseFrame close);
                if (error == TransportErrorCode.NoError)
                {
                    WriteConnectionClose(close);
                }

                return error;
            case FrameType.Datagram or FrameType.DatagramLen:
                error = frames.ReadDatagram(out DatagramFrame datagram);
                if (error == TransportErrorCode.NoError)
                {
                    _json.WriteStartObject();
                    _json.WriteString("frame_type", "datagram");
                    WriteRaw(datagram.Data.Length, datagram.Data.Length);
                    _json.WriteEndObject();
                }

                return error;
            default:
                ulong raw = frames.RawFrameType;
                error = frames.Skip();
                if (error == TransportErrorCode.NoError)
                {
                    WriteUnknownFrame(raw, -1);
                }

                return error;
        }
    }

    private void WriteAck(in AckFrame ack, int ackDelayExponent)
    {
        BeginFrame("ack");

        // RFC 9000 §19.3: the field is in units of 2^ack_delay_exponent microseconds; qlog wants ms.
        double delayMicros = ack.AckDelay * Math.Pow(2, ackDelayExponent);
        _json.WriteNumber("ack_delay", delayMicros / 1000.0);
        _json.WriteStartArray("acked_ranges");
        foreach (AckRange range in ack)
        {
            _json.WriteStartArray();
            _json.WriteNumberValue(range.Smallest);
            if (range.Largest != range.Smallest)
            {
                _json.WriteNumberValue(range.Largest);
            }

            _json.WriteEndArray();
        }

        _json.WriteEndArray();
        if (ack.Ecn is EcnCounts ecn)
        {
            _json.WriteNumber("ect1", ecn.Ect1);
            _json.WriteNumber("ect0", ecn.Ect0);
            _json.WriteNumber("ce", ecn.Ce);
        }

        _json.WriteEndObject();
    }

    private void WriteConnectionClose(in ConnectionCloseFrame close)
    {
        BeginFrame("connection_close");
        if (close.IsApplicationClose)
        {
            _json.WriteString("error_space", "application");
            _json.WriteString("error", "unknown");
            _json.WriteNumber("error_code", close.ErrorCode);
        }
        else
        {
            _json.WriteString("error_space", "transport");
            WriteTransportError("error", close.ErrorCode);
            _json.WriteNumber("trigger_frame_type", close.TriggeringFrameType);
        }

        if (!close.ReasonPhrase.IsEmpty)
        {
            // The phrase is peer bytes: logged as hex, and as text when it is valid UTF-8.
            _json.WriteString("reason_bytes", Convert.ToHexStringLower(close.ReasonPhrase));
            if (System.Text.Unicode.Utf8.IsValid(close.ReasonPhrase))
            {
                _json.WriteString("reason", close.ReasonPhrase);
            }
        }

        _json.WriteEndObject();
    }

    /// <summary>quic-events §"TransportError" and §"CryptoError" (0x0100-0x01ff: crypto_error_0x1XX).</summary>
    private void WriteTransportError(string field, ulong code)
    {
        string? name = code switch
        {
            0x00 => "no_error",
            0x01 => "internal_error",
            0x02 => "connection_refused",
            0x03 => "flow_control_error",
            0x04 => "stream_limit_error",
            0x05 => "stream_state_error",
            0x06 => "final_size_error",
            0x07 => "frame_encoding_error",
            0x08 => "transport_parameter_error",
            0x09 => "connection_id_limit_error",
            0x0a => "protocol_violation",
            0x0b => "invalid_token",
            0x0c => "application_error",
            0x0d => "crypto_buffer_exceeded",
            0x0e => "key_update_error",
            0x0f => "aead_limit_reached",
            0x10 => "no_viable_path",
            _ => null,
        };
        if (name is not null)
        {
            _json.WriteString(field, name);
        }
        else if (code is >= 0x100 and <= 0x1ff)
        {
            _json.WriteString(field, "crypto_error_0x" + code.ToString("x3", System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            _json.WriteString(field, "unknown");
            _json.WriteNumber("error_code", code);
        }
    }

    private void WriteSimple(string frameType, TransportErrorCode error)
    {
        if (error == TransportErrorCode.NoError)
        {
            BeginFrame(frameType);
            _json.WriteEndObject();
        }
    }

    private void WriteUnknownFrame(ulong rawType, int remaining)
    {
        BeginFrame("unknown");
        _json.WriteNumber("frame_type_bytes", rawType);
        if (remaining >= 0)
        {
            WriteRaw(remaining, -1);
        }

        _json.WriteEndObject();
    }

    private void BeginFrame(string frameType)
    {
        _json.WriteStartObject();
        _json.WriteString("frame_type", frameType);
    }

    private void WriteRaw(long length, long payloadLength)
    {
        _json.WriteStartObject("raw");
        _json.WriteNumber("length", length);
        if (payloadLength >= 0)
        {
            _json.WriteNumber("payload_length", payloadLength);
        }

        _json.WriteEndObject();
    }
}
