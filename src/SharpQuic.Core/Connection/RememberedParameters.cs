using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Connection;

/// <summary>
/// The server transport parameters a client remembers with a session ticket for 0-RTT (RFC 9000 §7.4.1): the values
/// its 0-RTT data could violate. The same encoding is the server's TLS early-data context, so a server whose current
/// values differ from those it issued the ticket with refuses 0-RTT (it never accepts early data under reduced
/// limits; an increase also refuses, which is stricter than the RFC requires but safe).
/// </summary>
/// <remarks>Encoding: a format byte, then eight QUIC varints in the order of the properties. Parameters the client
/// must not remember (ack_delay_exponent, max_ack_delay, the connection IDs, preferred_address,
/// stateless_reset_token) are absent by construction.</remarks>
internal readonly record struct RememberedParameters(
    ulong InitialMaxData,
    ulong InitialMaxStreamDataBidiLocal,
    ulong InitialMaxStreamDataBidiRemote,
    ulong InitialMaxStreamDataUni,
    ulong InitialMaxStreamsBidi,
    ulong InitialMaxStreamsUni,
    ulong ActiveConnectionIdLimit,
    ulong MaxDatagramFrameSize)
{
    private const byte Format = 1;

    /// <summary>Largest encoding: the format byte and eight 8-byte varints.</summary>
    public const int MaxEncodedLength = 1 + (8 * 8);

    /// <summary>The remembered subset of a peer's (or our own) transport parameters.</summary>
    public static RememberedParameters From(TransportParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.InitialMaxData, p.InitialMaxStreamDataBidiLocal, p.InitialMaxStreamDataBidiRemote, p.InitialMaxStreamDataUni,
            p.InitialMaxStreamsBidi, p.InitialMaxStreamsUni, p.ActiveConnectionIdLimit, p.MaxDatagramFrameSize);
    }

    /// <summary>The six stream limits as the stream manager takes them.</summary>
    public PeerStreamLimits StreamLimits => new(InitialMaxData, InitialMaxStreamDataBidiLocal, InitialMaxStreamDataBidiRemote,
        InitialMaxStreamDataUni, InitialMaxStreamsBidi, InitialMaxStreamsUni);

    /// <summary>
    /// RFC 9000 §7.4.1: a server that accepted 0-RTT must not lower any of these below the remembered values.
    /// Returns the name of the first reduced parameter, or null.
    /// </summary>
    public string? FirstReducedIn(in RememberedParameters current)
    {
        if (current.ActiveConnectionIdLimit < ActiveConnectionIdLimit) { return "active_connection_id_limit"; }
        if (current.InitialMaxData < InitialMaxData) { return "initial_max_data"; }
        if (current.InitialMaxStreamDataBidiLocal < InitialMaxStreamDataBidiLocal) { return "initial_max_stream_data_bidi_local"; }
        if (current.InitialMaxStreamDataBidiRemote < InitialMaxStreamDataBidiRemote) { return "initial_max_stream_data_bidi_remote"; }
        if (current.InitialMaxStreamDataUni < InitialMaxStreamDataUni) { return "initial_max_stream_data_uni"; }
        if (current.InitialMaxStreamsBidi < InitialMaxStreamsBidi) { return "initial_max_streams_bidi"; }
        if (current.InitialMaxStreamsUni < InitialMaxStreamsUni) { return "initial_max_streams_uni"; }

        // RFC 9221 §3: a server that accepts 0-RTT must not lower max_datagram_frame_size either.
        return current.MaxDatagramFrameSize < MaxDatagramFrameSize ? "max_datagram_frame_size" : null;
    }

    /// <summary>The stored form (ticket files, the TLS early-data context).</summary>
    public byte[] Encode()
    {
        Span<byte> buffer = stackalloc byte[MaxEncodedLength];
        var w = new QuicWriter(buffer);
        w.TryWriteByte(Format);
        w.TryWriteVarInt(InitialMaxData);
        w.TryWriteVarInt(InitialMaxStreamDataBidiLocal);
        w.TryWriteVarInt(InitialMaxStreamDataBidiRemote);
        w.TryWriteVarInt(InitialMaxStreamDataUni);
        w.TryWriteVarInt(InitialMaxStreamsBidi);
        w.TryWriteVarInt(InitialMaxStreamsUni);
        w.TryWriteVarInt(ActiveConnectionIdLimit);
        w.TryWriteVarInt(MaxDatagramFrameSize);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses <see cref="Encode"/>'s output, which comes from a file and is hostile: false for a wrong format, a
    /// truncation, trailing bytes, a stream count over 2^60 or an active_connection_id_limit under 2 (RFC 9000 §18.2).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out RememberedParameters parameters)
    {
        parameters = default;
        var r = new QuicReader(data);
        if (!r.TryReadByte(out byte format) || format != Format
            || !r.TryReadVarInt(out ulong maxData) || !r.TryReadVarInt(out ulong bidiLocal) || !r.TryReadVarInt(out ulong bidiRemote)
            || !r.TryReadVarInt(out ulong uni) || !r.TryReadVarInt(out ulong streamsBidi) || !r.TryReadVarInt(out ulong streamsUni)
            || !r.TryReadVarInt(out ulong cidLimit) || !r.TryReadVarInt(out ulong datagram) || !r.IsEmpty)
        {
            return false;
        }

        if (streamsBidi > TransportParameters.MaxStreamCount || streamsUni > TransportParameters.MaxStreamCount || cidLimit < 2)
        {
            return false;
        }

        parameters = new RememberedParameters(maxData, bidiLocal, bidiRemote, uni, streamsBidi, streamsUni, cidLimit, datagram);
        return true;
    }
}
