namespace SharpQuic.Tls.Wire;

/// <summary>GREASE values (RFC 8701): reserved code points peers send to keep the ecosystem tolerant.</summary>
internal static class Grease
{
    /// <summary>True for the 16-bit GREASE values 0x0A0A, 0x1A1A, … 0xFAFA (RFC 8701 §2): both bytes equal,
    /// low nibble 0xA.</summary>
    public static bool IsGrease(ushort value) => (value & 0x0F0F) == 0x0A0A && (value >> 8) == (value & 0xFF);

    /// <summary>True for the 8-bit GREASE values of psk_key_exchange_modes (RFC 8701 §2: 0x0B, 0x2A, 0x49, …,
    /// i.e. 0x1F * n + 0x0B).</summary>
    public static bool IsGreasePskMode(byte value) => value >= 0x0B && (value - 0x0B) % 0x1F == 0;
}
