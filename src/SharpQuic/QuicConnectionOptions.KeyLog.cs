using System.Text;

namespace SharpQuic;

/// <summary>The TLS key log, beyond System.Net.Quic (which reads only the SSLKEYLOGFILE environment variable).</summary>
public abstract partial class QuicConnectionOptions
{
    /// <summary>
    /// Beyond System.Net.Quic: append this connection's TLS secrets to this file in the NSS key log format
    /// ("LABEL client_random secret", one line each), the format Wireshark and tshark read to decrypt QUIC packets.
    /// Null (the default) writes nothing. Secrets leave the process only this way, and only when this is set: anyone
    /// who reads the file can decrypt the connection, so use it for debugging only. Writes from all connections of
    /// the process are serialized, so several connections may share one file. A file that cannot be written (missing
    /// folder, no permission) is skipped silently: the connection is not affected.
    /// </summary>
    public string? KeyLogFile { get; set; }

    /// <summary>The sink the TLS engine writes key log lines to; null when <see cref="KeyLogFile"/> is unset.</summary>
    internal Action<string>? CreateKeyLogSink() => KeyLogFile is { Length: > 0 } path ? new KeyLogFileWriter(path).Write : null;

    /// <summary>Appends whole lines to one file; one lock for the process so lines from concurrent connections never interleave.</summary>
    private sealed class KeyLogFileWriter(string path)
    {
        private static readonly Lock s_lock = new();

        public void Write(string line)
        {
            // A handful of lines per connection (handshake and 1-RTT secrets, key updates are not logged): opening
            // the file each time keeps no handle alive and lets the user delete or rotate it between connections.
            lock (s_lock)
            {
                try
                {
                    File.AppendAllText(path, line + "\n", Encoding.ASCII);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
                {
                    // A debugging aid must not fail the handshake it describes (this runs inside the TLS engine on
                    // the connection's worker): a file that cannot be written loses its lines, the connection goes on.
                }
            }
        }
    }
}
