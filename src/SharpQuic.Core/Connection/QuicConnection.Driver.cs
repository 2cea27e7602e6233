using SharpQuic.Tls.Handshake;

namespace SharpQuic.Core.Connection;

/// <summary>What the runtime driver reads of a connection beyond the sans-IO calls.</summary>
internal sealed partial class QuicConnection
{
    /// <summary>Server: the SNI of the client's ClientHello (null before it arrived, or when absent).</summary>
    public string? RequestedServerName => (_tls as TlsServerConnection)?.ServerName;

    /// <summary>The largest datagram we send now (grows with path MTU discovery).</summary>
    public int MaxSendDatagramSize => _maxSendDatagramSize;

    /// <summary>Packets sent (statistics).</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Packets declared lost (statistics, RFC 9002 §6.1).</summary>
    public long PacketsLost { get; private set; }
}
