namespace SharpQuic.Core.Wire.Frames;

/// <summary>An inclusive range of acknowledged packet numbers, <see cref="Smallest"/> ≤ <see cref="Largest"/>.</summary>
/// <param name="Smallest">The smallest packet number in the range.</param>
/// <param name="Largest">The largest packet number in the range.</param>
public readonly record struct AckRange(ulong Smallest, ulong Largest);

/// <summary>The three ECN counters of an ACK frame of type 0x03 (RFC 9000 §19.3.2).</summary>
/// <param name="Ect0">Packets received with the ECT(0) codepoint.</param>
/// <param name="Ect1">Packets received with the ECT(1) codepoint.</param>
/// <param name="Ce">Packets received with the ECN-CE codepoint.</param>
public readonly record struct EcnCounts(ulong Ect0, ulong Ect1, ulong Ce)
{
    /// <summary>Bytes the three counters take on the wire.</summary>
    public int EncodedLength => VarInt.EncodedLength(Ect0) + VarInt.EncodedLength(Ect1) + VarInt.EncodedLength(Ce);
}
