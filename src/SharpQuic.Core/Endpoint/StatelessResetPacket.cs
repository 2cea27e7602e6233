using SharpQuic.Cryptography;

namespace SharpQuic.Core.Endpoint;

/// <summary>
/// Writing a Stateless Reset (RFC 9000 §10.3): a datagram that looks like a short-header packet —
/// fixed bits 01, unpredictable bytes — ending in the 16-byte token.
/// </summary>
public static class StatelessResetPacket
{
    /// <summary>
    /// The smallest reset: 1 header byte, 4 more unpredictable bytes (38 unpredictable bits in all)
    /// and the 16-byte token (RFC 9000 §10.3).
    /// </summary>
    public const int MinimumLength = 21;

    /// <summary>Below this size an observer may recognise a reset (RFC 9000 §10.3.3); triggers up to 43 bytes get a reset one byte shorter (§10.3).</summary>
    public const int SmallTriggerLimit = 43;

    /// <summary>
    /// The length of the reset to send in answer to a datagram of <paramref name="triggeringLength"/>
    /// bytes, or 0 for "do not send". Every reset is smaller than its trigger, so two endpoints
    /// resetting each other shrink to silence (RFC 9000 §10.3.3); a trigger of 43 bytes or less
    /// gets a reset one byte shorter (§10.3); larger triggers get
    /// <paramref name="preferredMaximum"/> bytes at most (never less than 42, so the reset is not
    /// conspicuously small).
    /// </summary>
    public static int ComputeLength(int triggeringLength, int preferredMaximum = 64)
    {
        int limit = triggeringLength - 1;
        if (limit < MinimumLength)
        {
            return 0;
        }

        return Math.Min(limit, Math.Max(preferredMaximum, SmallTriggerLimit - 1));
    }

    /// <summary>
    /// Writes a reset of exactly <paramref name="length"/> bytes (at least <see cref="MinimumLength"/>)
    /// into <paramref name="destination"/>. False when the length is out of range or does not fit.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> token, int length, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (token.Length != StatelessResetTokens.TokenLength || length < MinimumLength || length > destination.Length)
        {
            return false;
        }

        Span<byte> packet = destination[..length];
        random.Fill(packet[..^StatelessResetTokens.TokenLength]);

        // Fixed bits 01: header form 0 (short), fixed bit 1 (RFC 9000 §17.3.1); the rest random.
        packet[0] = (byte)(0x40 | (packet[0] & 0x3f));
        token.CopyTo(packet[^StatelessResetTokens.TokenLength..]);
        return true;
    }
}
