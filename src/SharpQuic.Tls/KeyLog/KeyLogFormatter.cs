namespace SharpQuic.Tls.KeyLog;

/// <summary>
/// NSS key log lines ("LABEL &lt;client_random hex&gt; &lt;secret hex&gt;"), the format Wireshark reads. Lines go only to the
/// user's callback (SSLKEYLOGFILE-style debugging); secrets are never logged anywhere else.
/// </summary>
internal static class KeyLogFormatter
{
    public const string ClientEarlyTrafficSecret = "CLIENT_EARLY_TRAFFIC_SECRET";
    public const string ClientHandshakeTrafficSecret = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
    public const string ServerHandshakeTrafficSecret = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    public const string ClientTrafficSecret0 = "CLIENT_TRAFFIC_SECRET_0";
    public const string ServerTrafficSecret0 = "SERVER_TRAFFIC_SECRET_0";

    /// <summary>Calls <paramref name="sink"/> with one line, if a sink is set.</summary>
    public static void Write(Action<string>? sink, string label, ReadOnlySpan<byte> clientRandom, ReadOnlySpan<byte> secret)
    {
        if (sink is null)
        {
            return;
        }

        sink($"{label} {Convert.ToHexStringLower(clientRandom)} {Convert.ToHexStringLower(secret)}");
    }
}
