using System.Globalization;
using SharpQuic.Core;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Cryptography;

namespace SharpQuic.Cli.Inspect;

/// <summary>
/// Describes a QUIC datagram for people: every coalesced packet's header and, for Initial
/// packets (whose keys follow from connection IDs, RFC 9001 §5.2), the decrypted frames.
/// </summary>
internal static class DatagramInspector
{
    /// <summary>Writes a description of <paramref name="datagram"/> to <paramref name="output"/>.</summary>
    /// <param name="datagram">The UDP payload; it is decrypted in place.</param>
    /// <param name="originalDestinationConnectionId">
    /// The client's first Destination Connection ID, needed for a server's Initial packets (their
    /// DCID is the client's SCID). Null: use each Initial packet's own DCID (right for a client's first flight).
    /// </param>
    /// <param name="shortHeaderConnectionIdLength">The DCID length to assume for short header packets.</param>
    /// <param name="output">Where the description goes.</param>
    /// <returns>True when every packet parsed (and every Initial packet decrypted).</returns>
    public static bool Describe(Span<byte> datagram, byte[]? originalDestinationConnectionId, int shortHeaderConnectionIdLength, TextWriter output)
    {
        output.WriteLine($"datagram: {datagram.Length} bytes");
        bool ok = true;
        int count = 0;
        var packets = new CoalescedPacketReader(datagram, shortHeaderConnectionIdLength);
        while (packets.MoveNext())
        {
            count++;
            PacketHeader header = packets.Current;
            ok &= DescribePacket(packets.CurrentPacket, header, originalDestinationConnectionId, output);
        }

        if (packets.SkippedPackets > 0)
        {
            output.WriteLine($"skipped {packets.SkippedPackets} packet(s) with another Destination Connection ID (RFC 9000 §12.2)");
        }

        if (packets.Status != PacketParseStatus.Success && packets.Status != PacketParseStatus.Empty)
        {
            // Zero bytes after the last long header packet are padding some stacks add; anything else is reported.
            output.WriteLine($"stopped: {packets.Status}");
            ok &= count > 0;
        }

        return ok && count > 0;
    }

    private static bool DescribePacket(Span<byte> packet, PacketHeader header, byte[]? originalDcid, TextWriter output)
    {
        string version = header.IsLongHeader ? $" version=0x{header.Version.Value:x8}" : "";
        output.Write($"packet {header.Type}{version} length={header.PacketLength} dcid={Hex(header.DestinationConnectionId)}");
        if (header.IsLongHeader)
        {
            output.Write($" scid={Hex(header.SourceConnectionId)}");
        }

        if (header.Type == PacketType.Initial)
        {
            output.Write($" token={header.Token.Length}B");
        }

        output.WriteLine();
        switch (header.Type)
        {
            case PacketType.VersionNegotiation:
                for (int i = 0; i < header.SupportedVersions.Length / 4; i++)
                {
                    output.WriteLine($"  supported version 0x{header.GetSupportedVersion(i).Value:x8}");
                }

                return true;
            case PacketType.Retry:
                output.WriteLine($"  retry token={header.Token.Length}B integrity tag={Hex(header.RetryIntegrityTag)}");
                return true;
            case PacketType.Initial:
                return DecryptInitial(packet, header, originalDcid, output);
            default:
                output.WriteLine("  (protected: keys come from the TLS handshake; see the key-log option)");
                return true;
        }
    }

    private static bool DecryptInitial(Span<byte> packet, PacketHeader header, byte[]? originalDcid, TextWriter output)
    {
        // A client's Initial is protected with keys from its own DCID; a server's with keys from
        // the client's original DCID. Try the keys that fit what we were given.
        ReadOnlySpan<byte> secretSource = originalDcid ?? header.DestinationConnectionId;
        int pnOffset = header.PacketNumberOffset;
        using InitialPacketKeys keys = InitialPacketKeys.Derive(secretSource, header.Version);
        byte[] copy = packet.ToArray();
        foreach ((PacketProtectionKeys candidate, string sender) in new[] { (keys.Client, "client"), (keys.Server, "server") })
        {
            copy.CopyTo(packet);
            PacketProtectionResult result = PacketProtection.Unprotect(packet, pnOffset, 0, candidate, out ulong pn, out int payloadOffset, out int payloadLength);
            if (result == PacketProtectionResult.Success || result == PacketProtectionResult.ReservedBitsSet)
            {
                output.WriteLine($"  decrypted with the {sender} Initial keys: packet number {pn}, payload {payloadLength}B{(result == PacketProtectionResult.ReservedBitsSet ? " (reserved bits set: PROTOCOL_VIOLATION)" : "")}");
                return DescribeFrames(packet.Slice(payloadOffset, payloadLength), PacketType.Initial, output);
            }
        }

        output.WriteLine(originalDcid is null
            ? "  could not decrypt (a server Initial needs --odcid, the client's original Destination Connection ID)"
            : "  could not decrypt with keys from the given --odcid");
        return false;
    }

    /// <summary>Writes one line per frame of a decrypted payload; false when the payload is invalid.</summary>
    public static bool DescribeFrames(ReadOnlySpan<byte> payload, PacketType packetType, TextWriter output)
    {
        var frames = new FrameReader(payload, packetType);
        TransportErrorCode error;
        while (frames.TryReadNext(out FrameType type, out error))
        {
            string line = DescribeFrame(ref frames, type, out error);
            if (error != TransportErrorCode.NoError)
            {
                break;
            }

            output.WriteLine("  " + line);
        }

        if (error != TransportErrorCode.NoError)
        {
            output.WriteLine($"  invalid payload: {error} (0x{(ulong)error:x})");
            return false;
        }

        return true;
    }

    private static string DescribeFrame(ref FrameReader frames, FrameType type, out TransportErrorCode error)
    {
        switch (type)
        {
            case FrameType.Padding:
                // A run of PADDING bytes reads as one frame.
                error = frames.ReadPadding(out PaddingFrame padding);
                return $"PADDING {padding.Length}B";
            case FrameType.Ping:
                error = frames.ReadPing(out _);
                return "PING";
            case FrameType.Ack or FrameType.AckEcn:
            {
                error = frames.ReadAck(out AckFrame ack);
                if (error != TransportErrorCode.NoError)
                {
                    return "";
                }

                var ranges = new List<string>();
                foreach (AckRange range in ack)
                {
                    ranges.Add(range.Smallest == range.Largest ? $"{range.Largest}" : $"{range.Smallest}-{range.Largest}");
                }

                string ecn = ack.Ecn is { } e ? $" ect0={e.Ect0} ect1={e.Ect1} ce={e.Ce}" : "";
                return $"ACK delay={ack.AckDelay} ranges=[{string.Join(",", ranges)}]{ecn}";
            }

            case FrameType.ResetStream:
                error = frames.ReadResetStream(out ResetStreamFrame reset);
                return $"RESET_STREAM stream={reset.StreamId} error={reset.ApplicationErrorCode} final_size={reset.FinalSize}";
            case FrameType.StopSending:
                error = frames.ReadStopSending(out StopSendingFrame stop);
                return $"STOP_SENDING stream={stop.StreamId} error={stop.ApplicationErrorCode}";
            case FrameType.Crypto:
                error = frames.ReadCrypto(out CryptoFrame crypto);
                return $"CRYPTO offset={crypto.Offset} length={crypto.Data.Length}{DescribeHandshakeStart(crypto)}";
            case FrameType.NewToken:
                error = frames.ReadNewToken(out NewTokenFrame token);
                return $"NEW_TOKEN {token.Token.Length}B";
            case FrameType.Stream:
                error = frames.ReadStream(out StreamFrame stream);
                return $"STREAM stream={stream.StreamId} offset={stream.Offset} length={stream.Data.Length}{(stream.Fin ? " FIN" : "")}";
            case FrameType.MaxData:
                error = frames.ReadMaxData(out MaxDataFrame maxData);
                return $"MAX_DATA {maxData.MaximumData}";
            case FrameType.MaxStreamData:
                error = frames.ReadMaxStreamData(out MaxStreamDataFrame maxStreamData);
                return $"MAX_STREAM_DATA stream={maxStreamData.StreamId} max={maxStreamData.MaximumStreamData}";
            case FrameType.MaxStreamsBidi or FrameType.MaxStreamsUni:
                error = frames.ReadMaxStreams(out MaxStreamsFrame maxStreams);
                return $"MAX_STREAMS {(maxStreams.Bidirectional ? "bidi" : "uni")} {maxStreams.MaximumStreams}";
            case FrameType.DataBlocked:
                error = frames.ReadDataBlocked(out DataBlockedFrame blocked);
                return $"DATA_BLOCKED {blocked.MaximumData}";
            case FrameType.StreamDataBlocked:
                error = frames.ReadStreamDataBlocked(out StreamDataBlockedFrame streamBlocked);
                return $"STREAM_DATA_BLOCKED stream={streamBlocked.StreamId} max={streamBlocked.MaximumStreamData}";
            case FrameType.StreamsBlockedBidi or FrameType.StreamsBlockedUni:
                error = frames.ReadStreamsBlocked(out StreamsBlockedFrame streamsBlocked);
                return $"STREAMS_BLOCKED {(streamsBlocked.Bidirectional ? "bidi" : "uni")} {streamsBlocked.MaximumStreams}";
            case FrameType.NewConnectionId:
                error = frames.ReadNewConnectionId(out NewConnectionIdFrame newCid);
                return $"NEW_CONNECTION_ID seq={newCid.SequenceNumber} retire_prior_to={newCid.RetirePriorTo} cid={Hex(newCid.ConnectionId)}";
            case FrameType.RetireConnectionId:
                error = frames.ReadRetireConnectionId(out RetireConnectionIdFrame retire);
                return $"RETIRE_CONNECTION_ID seq={retire.SequenceNumber}";
            case FrameType.PathChallenge:
                error = frames.ReadPathChallenge(out PathChallengeFrame challenge);
                return $"PATH_CHALLENGE {challenge.Data:x16}";
            case FrameType.PathResponse:
                error = frames.ReadPathResponse(out PathResponseFrame response);
                return $"PATH_RESPONSE {response.Data:x16}";
            case FrameType.ConnectionClose or FrameType.ConnectionCloseApplication:
            {
                error = frames.ReadConnectionClose(out ConnectionCloseFrame close);
                string reason = System.Text.Encoding.UTF8.GetString(close.ReasonPhrase);
                return close.IsApplicationClose
                    ? $"CONNECTION_CLOSE application error={close.ErrorCode} reason=\"{reason}\""
                    : $"CONNECTION_CLOSE transport error=0x{close.ErrorCode:x} frame=0x{close.TriggeringFrameType:x} reason=\"{reason}\"";
            }

            case FrameType.HandshakeDone:
                error = frames.ReadHandshakeDone(out _);
                return "HANDSHAKE_DONE";
            case FrameType.Datagram or FrameType.DatagramLen:
                error = frames.ReadDatagram(out DatagramFrame datagram);
                return $"DATAGRAM length={datagram.Data.Length}";
            default:
                error = frames.Skip();
                return $"frame 0x{(ulong)type:x}";
        }
    }

    // CRYPTO data at offset 0 starts a TLS handshake message: name it (RFC 8446 §4).
    private static string DescribeHandshakeStart(CryptoFrame crypto)
    {
        if (crypto.Offset != 0 || crypto.Data.Length < 4)
        {
            return "";
        }

        int length = (crypto.Data[1] << 16) | (crypto.Data[2] << 8) | crypto.Data[3];
        string name = crypto.Data[0] switch
        {
            1 => "ClientHello",
            2 => "ServerHello",
            _ => $"handshake message {crypto.Data[0]}",
        };
        string completeness = length + 4 <= crypto.Data.Length ? "" : ", continues in later CRYPTO frames";
        return string.Create(CultureInfo.InvariantCulture, $" ({name}, {length}B{completeness})");
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? "(empty)" : Convert.ToHexStringLower(bytes);
}
