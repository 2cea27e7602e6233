using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Endpoint;

/// <summary>How a <see cref="QuicEndpoint"/> behaves: roles, connection IDs, address validation, limits.</summary>
internal sealed class EndpointOptions
{
    /// <summary>Accept connections (the server role). A client-only endpoint leaves it false.</summary>
    public bool AcceptConnections { get; init; }

    /// <summary>
    /// The server's TLS options for every connection; null pauses each handshake after its ClientHello until the
    /// application calls <see cref="QuicConnection.SetServerOptions"/> (the ConnectionOptionsCallback point).
    /// </summary>
    public ServerTlsSettings? ServerOptions { get; init; }

    /// <summary>Transport settings of the endpoint's connections.</summary>
    public ConnectionOptions Connection { get; init; } = new();

    /// <summary>The endpoint's randomness (connection IDs, resets, version negotiation bits, the routing hash seed).</summary>
    public IRandomSource Random { get; init; } = SystemRandomSource.Instance;

    /// <summary>The connection ID seam; null uses random 8-byte IDs from <see cref="Random"/>.</summary>
    public IConnectionIdGenerator? ConnectionIdGenerator { get; init; }

    /// <summary>The static key of stateless reset tokens (RFC 9000 §10.3.2); null makes a random one (resets then do
    /// not survive a restart).</summary>
    public StatelessResetTokens? StatelessResetTokens { get; init; }

    /// <summary>
    /// Seals and opens Retry and NEW_TOKEN tokens; required when <see cref="RequireRetry"/> is set. When set, a server
    /// sends each client one NEW_TOKEN token after the handshake and accepts it on a later connection (RFC 9000 §8.1.3).
    /// </summary>
    public AddressValidationTokens? AddressValidation { get; init; }

    /// <summary>Validate every client address with a Retry before creating state (RFC 9000 §8.1.2).</summary>
    public bool RequireRetry { get; init; }

    /// <summary>The wall-clock time of <see cref="Instant.Zero"/>: TLS and tokens need real time.</summary>
    public DateTimeOffset WallClockOrigin { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>Server connections whose handshake has not completed, at most; further Initials are dropped.</summary>
    public int MaxPendingHandshakes { get; init; } = 1024;

    /// <summary>Versions this endpoint accepts, best first; a client connects with the first.</summary>
    public IReadOnlyList<QuicVersion> Versions { get; init; } = [QuicVersion.V1, QuicVersion.V2];

    /// <summary>
    /// Server: compatible version negotiation (RFC 9368 §2.3) picks the first of <see cref="Versions"/> that the client
    /// lists as compatible (a v1 client offering v2 is upgraded when v2 comes first). False (the default) follows the
    /// client's order, which puts its Chosen Version first: no switch unless the client asks for one.
    /// </summary>
    public bool PreferServerVersionOrder { get; init; }

    /// <summary>Stateless resets sent at most in a burst, and refilled per second (RFC 9000 §10.3.3).</summary>
    public int StatelessResetBurst { get; init; } = 10;

    /// <inheritdoc cref="StatelessResetBurst"/>
    public int StatelessResetsPerSecond { get; init; } = 100;
}
