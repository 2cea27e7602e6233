namespace SharpQuic.QPack;

/// <summary>QPACK error codes (RFC 9204 §6); carried as HTTP/3 connection errors.</summary>
public enum QPackError : long
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The decoder failed to interpret an encoded field section (QPACK_DECOMPRESSION_FAILED).</summary>
    DecompressionFailed = 0x200,

    /// <summary>The decoder failed to interpret an encoder instruction (QPACK_ENCODER_STREAM_ERROR).</summary>
    EncoderStreamError = 0x201,

    /// <summary>The encoder failed to interpret a decoder instruction (QPACK_DECODER_STREAM_ERROR).</summary>
    DecoderStreamError = 0x202,
}

/// <summary>Outcome of decoding one encoded field section.</summary>
public enum FieldSectionStatus
{
    /// <summary>The field lines were decoded into the caller's list.</summary>
    Decoded,

    /// <summary>
    /// The section references dynamic table entries not yet received (RFC 9204 §2.1.2); the decoder
    /// kept a copy and returns it from <see cref="QPackDecoder.TryDecodeUnblocked"/> later.
    /// </summary>
    Blocked,

    /// <summary>The section is invalid; the error is a connection error.</summary>
    Failed,
}

/// <summary>Result of a parse step on peer input: a value, "need more bytes", or invalid.</summary>
internal enum ParseStatus
{
    Ok,
    NeedMore,
    Invalid,
}
