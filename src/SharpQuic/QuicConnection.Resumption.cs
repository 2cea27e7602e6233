using System.Net.Security;
using SharpQuic.Core.Connection;
using CoreConnection = SharpQuic.Core.Connection.QuicConnection;

namespace SharpQuic;

/// <summary>
/// Session resumption and 0-RTT, beyond System.Net.Quic (which has neither). A client stores
/// <see cref="ResumptionTicket"/> and passes it to a later connection in
/// <see cref="QuicClientConnectionOptions.ResumptionTicket"/>; with <see cref="QuicClientConnectionOptions.EnableEarlyData"/>
/// and a ticket that allows it, <see cref="ConnectAsync"/> completes as soon as the 0-RTT keys are ready (before the
/// handshake) and streams opened then carry their data in 0-RTT packets (RFC 9001 §4.6). If the server refuses the early
/// data, the stack sends it again in 1-RTT by itself; <see cref="EarlyDataAccepted"/> tells afterwards.
/// </summary>
public sealed partial class QuicConnection
{
    private volatile byte[]? _resumptionTicket;
    private volatile bool _isResumed;
    private volatile int _earlyDataAccepted = -1;
    private volatile bool _connectedEarly;

    /// <summary>
    /// Client: the latest session ticket the server sent (a copy; null until one arrived, shortly after the
    /// handshake). It holds the TLS ticket and resumption secret, the ALPN, the server name and the server's transport
    /// parameters that RFC 9000 §7.4.1 requires to remember: store it as a secret.
    /// </summary>
    public byte[]? ResumptionTicket => _resumptionTicket is byte[] t ? (byte[])t.Clone() : null;

    /// <summary>True once the handshake resumed a session from a ticket (no certificate was exchanged).</summary>
    public bool IsResumed => _isResumed;

    /// <summary>
    /// Null while unknown or when no 0-RTT was attempted (client) or received (server); true when the server accepted
    /// the early data, false when it refused it (the data was then sent again in 1-RTT).
    /// </summary>
    public bool? EarlyDataAccepted => _earlyDataAccepted switch
    {
        1 => true,
        0 => false,
        _ => null,
    };

    /// <summary>Client: true when <see cref="ConnectAsync"/> returned before the handshake, with 0-RTT keys.</summary>
    public bool IsEarlyDataConnection => _connectedEarly;

    /// <summary>Worker: the resumption events of the core.</summary>
    private void OnResumptionEvent(CoreConnection core, ConnectionEventKind kind)
    {
        if (kind == ConnectionEventKind.ResumptionTicketReceived && core.ResumptionTicket is byte[] ticket)
        {
            _resumptionTicket = ticket;
        }

        PublishResumptionState(core);
    }

    /// <summary>Worker: after each batch of events, the facts the application reads, and the early completion of ConnectAsync.</summary>
    private void PublishResumptionState(CoreConnection core)
    {
        _isResumed = core.IsResumed;
        _earlyDataAccepted = core.EarlyDataAccepted switch
        {
            true => 1,
            false => 0,
            null => -1,
        };

        // RFC 9001 §4.6.1: with 0-RTT keys the client can send before the handshake completes.
        if (_listener is null && !_handshakeCompleted && core.CanSendEarlyData && _connected is { Task.IsCompleted: false })
        {
            _connectedEarly = true;
            // The ticket's ALPN: the server accepts 0-RTT only with it (RFC 8446bis §4.2.10); confirmed at completion.
            NegotiatedApplicationProtocol = ClientTls?.ResumptionTicket is byte[] t && CoreConnection.DescribeTicket(t) is { } info
                ? new SslApplicationProtocol(info.ApplicationProtocol) : default;
            _connected.TrySetResult();
        }
    }
}
