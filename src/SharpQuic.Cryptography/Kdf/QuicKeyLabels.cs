namespace SharpQuic.Cryptography.Kdf;

/// <summary>
/// The version-specific inputs of QUIC's key derivation: the Initial salt and the labels for
/// packet keys, IVs, header protection keys and key updates (RFC 9001 §5.2, §5.1, §6.1;
/// RFC 9369 §3.3).
/// </summary>
public sealed class QuicKeyLabels
{
    private QuicKeyLabels(byte[] initialSalt, string key, string iv, string hp, string keyUpdate)
    {
        InitialSalt = initialSalt;
        Key = System.Text.Encoding.ASCII.GetBytes(key);
        Iv = System.Text.Encoding.ASCII.GetBytes(iv);
        Hp = System.Text.Encoding.ASCII.GetBytes(hp);
        KeyUpdate = System.Text.Encoding.ASCII.GetBytes(keyUpdate);
    }

    /// <summary>QUIC version 1 (RFC 9001 §5.2).</summary>
    public static QuicKeyLabels V1 { get; } = new(
        Convert.FromHexString("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), "quic key", "quic iv", "quic hp", "quic ku");

    /// <summary>QUIC version 2 (RFC 9369 §3.3.1, §3.3.2).</summary>
    public static QuicKeyLabels V2 { get; } = new(
        Convert.FromHexString("0dede3def700a6db819381be6e269dcbf9bd2ed9"), "quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku");

    internal byte[] InitialSalt { get; }

    internal byte[] Key { get; }

    internal byte[] Iv { get; }

    internal byte[] Hp { get; }

    internal byte[] KeyUpdate { get; }
}
