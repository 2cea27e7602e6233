using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Streams;

/// <summary>
/// Our side of the stream limits: what we advertise in transport parameters (RFC 9000 §18.2) and
/// how far auto-tuning may grow the windows. Defaults are safe for a server with many connections.
/// </summary>
public sealed class StreamManagerOptions
{
    /// <summary>initial_max_data: the connection receive window.</summary>
    public ulong MaxData { get; set; } = 1024 * 1024;

    /// <summary>The largest connection receive window auto-tuning may reach.</summary>
    public ulong MaxDataWindowLimit { get; set; } = 16 * 1024 * 1024;

    /// <summary>initial_max_stream_data_bidi_local: receive window of bidirectional streams we open.</summary>
    public ulong MaxStreamDataBidiLocal { get; set; } = 256 * 1024;

    /// <summary>initial_max_stream_data_bidi_remote: receive window of bidirectional streams the peer opens.</summary>
    public ulong MaxStreamDataBidiRemote { get; set; } = 256 * 1024;

    /// <summary>initial_max_stream_data_uni: receive window of unidirectional streams the peer opens.</summary>
    public ulong MaxStreamDataUni { get; set; } = 256 * 1024;

    /// <summary>The largest stream receive window auto-tuning may reach.</summary>
    public ulong MaxStreamWindowLimit { get; set; } = 8 * 1024 * 1024;

    /// <summary>initial_max_streams_bidi: bidirectional streams the peer may have open at once.</summary>
    public ulong MaxStreamsBidi { get; set; } = 100;

    /// <summary>initial_max_streams_uni: unidirectional streams the peer may have open at once.</summary>
    public ulong MaxStreamsUni { get; set; } = 100;

    /// <summary>Unacknowledged bytes buffered per sending stream before writes are refused (backpressure).</summary>
    public int SendBufferSize { get; set; } = 1024 * 1024;

    /// <summary>The limits these options advertise, as the peer will see them.</summary>
    public PeerStreamLimits ToPeerLimits() =>
        new(MaxData, MaxStreamDataBidiLocal, MaxStreamDataBidiRemote, MaxStreamDataUni, MaxStreamsBidi, MaxStreamsUni);

    internal void Validate()
    {
        const ulong Max = (1UL << 62) - 1;
        const ulong MaxWindow = 1UL << 30;
        if (MaxData > Max || MaxStreamsBidi > StreamId.MaxIndexCount || MaxStreamsUni > StreamId.MaxIndexCount ||
            MaxStreamDataBidiLocal > MaxWindow || MaxStreamDataBidiRemote > MaxWindow || MaxStreamDataUni > MaxWindow ||
            MaxStreamWindowLimit > MaxWindow || SendBufferSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(StreamManagerOptions), "A stream limit is out of range (windows up to 1 GiB, stream counts up to 2^60).");
        }
    }
}

/// <summary>
/// The peer's stream limits, from its transport parameters (RFC 9000 §18.2). "Local" and
/// "remote" are from the peer's point of view, as on the wire.
/// </summary>
public readonly record struct PeerStreamLimits(
    ulong MaxData,
    ulong MaxStreamDataBidiLocal,
    ulong MaxStreamDataBidiRemote,
    ulong MaxStreamDataUni,
    ulong MaxStreamsBidi,
    ulong MaxStreamsUni)
{
    /// <summary>Reads the six stream limits of the peer's transport parameters.</summary>
    public static PeerStreamLimits From(TransportParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new(parameters.InitialMaxData, parameters.InitialMaxStreamDataBidiLocal, parameters.InitialMaxStreamDataBidiRemote,
            parameters.InitialMaxStreamDataUni, parameters.InitialMaxStreamsBidi, parameters.InitialMaxStreamsUni);
    }
}
