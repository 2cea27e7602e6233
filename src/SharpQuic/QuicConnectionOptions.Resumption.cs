namespace SharpQuic;

/// <summary>Session resumption and 0-RTT on the client, beyond System.Net.Quic.</summary>
public sealed partial class QuicClientConnectionOptions
{
    /// <summary>
    /// A ticket from an earlier connection to the same server (<see cref="QuicConnection.ResumptionTicket"/>): the
    /// handshake offers to resume that session (RFC 8446bis §2.2). A ticket that does not parse, has expired or names
    /// another server or ALPN is ignored and a full handshake takes place.
    /// </summary>
    public byte[]? ResumptionTicket { get; set; }

    /// <summary>
    /// Send 0-RTT data when <see cref="ResumptionTicket"/> allows it (RFC 9001 §4.6): <see cref="QuicConnection.ConnectAsync"/>
    /// then completes as soon as the 0-RTT keys exist, and streams opened before the handshake completes send in 0-RTT
    /// packets under the limits remembered with the ticket. 0-RTT data can be replayed by an attacker (RFC 8446bis §8):
    /// send only idempotent requests this way.
    /// </summary>
    public bool EnableEarlyData { get; set; }
}

/// <summary>0-RTT on the server, beyond System.Net.Quic.</summary>
public sealed partial class QuicServerConnectionOptions
{
    /// <summary>
    /// Accept 0-RTT data on resumed connections (RFC 9001 §4.6). Tickets are single-use per listener (RFC 8446bis §8.1)
    /// and 0-RTT is refused when this connection's stream and flow-control limits differ from those remembered with
    /// the ticket (RFC 9000 §7.4.1). Off by default: early data can be replayed across servers sharing no state.
    /// </summary>
    public bool AcceptEarlyData { get; set; }
}
