using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Handshake;
using SharpQuic.Tls.Tests.Certificates;

namespace SharpQuic.Tls.Tests.Handshake;

/// <summary>Which way a message travels.</summary>
public enum Direction
{
    ClientToServer,
    ServerToClient,
}

/// <summary>
/// Two engines wired back to back in memory: every HandshakeData event of one side is fed to the other at the same
/// level (through an optional tamper hook), secrets and events are recorded, pauses are answered automatically
/// unless a test wants to answer them itself.
/// </summary>
internal sealed class HandshakePair : IDisposable
{
    public const string Host = "example.com";

    private static readonly Lazy<Dictionary<KeyKind, X509Certificate2>> s_leaves = new(() => new()
    {
        [KeyKind.P256] = TestPki.CreateLeaf(KeyKind.P256, [Host, "other.example"]),
        [KeyKind.P384] = TestPki.CreateLeaf(KeyKind.P384, [Host, "other.example"]),
        [KeyKind.Rsa2048] = TestPki.CreateLeaf(KeyKind.Rsa2048, [Host, "other.example"]),
    });

    private static readonly Lazy<X509Certificate2> s_clientLeaf = new(() => TestPki.CreateLeaf(KeyKind.P256, eku: TestPki.ClientAuth, subject: "CN=client"));

    private readonly TlsClientOptions _clientOptions;
    private readonly bool _deferred;

    public HandshakePair(TlsClientOptions client, TlsServerOptions server, bool deferServerOptions = false)
    {
        _clientOptions = client;
        _deferred = deferServerOptions;
        Client = new TlsClientConnection(client);
        ServerOptions = server;
        Server = deferServerOptions ? new TlsServerConnection() : new TlsServerConnection(server);
    }

    public TlsClientConnection Client { get; }

    public TlsServerConnection Server { get; }

    public TlsServerOptions ServerOptions { get; }

    public DateTimeOffset Now { get; set; } = TestPki.Now;

    /// <summary>Called for every message in flight; returns the bytes to deliver (null drops the message).</summary>
    public Func<Direction, EncryptionLevel, byte[], byte[]?>? Tamper { get; set; }

    /// <summary>When false the test answers ClientHelloReceived itself.</summary>
    public bool AutoServerOptions { get; set; } = true;

    /// <summary>When false the test answers PeerCertificateReceived itself.</summary>
    public bool AutoValidate { get; set; } = true;

    public Dictionary<(EncryptionLevel, TrafficDirection), byte[]> ClientSecrets { get; } = [];

    public Dictionary<(EncryptionLevel, TrafficDirection), byte[]> ServerSecrets { get; } = [];

    public List<TlsEvent> ClientEvents { get; } = [];

    public List<TlsEvent> ServerEvents { get; } = [];

    /// <summary>Messages as sent (before tampering): direction, level, bytes.</summary>
    public List<(Direction Direction, EncryptionLevel Level, byte[] Bytes)> Sent { get; } = [];

    public TlsAlert? ClientAlert { get; private set; }

    public TlsAlert? ServerAlert { get; private set; }

    public static X509Certificate2 Leaf(KeyKind kind) => s_leaves.Value[kind];

    public static X509Certificate2 ClientLeaf => s_clientLeaf.Value;

    public static X509ChainPolicy Trust()
    {
        X509ChainPolicy policy = TestPki.TrustPolicy(TestPki.Root);
        policy.ExtraStore.Add(TestPki.Intermediate);
        return policy;
    }

    public static TlsClientOptions ClientOptions(
        int seed = 1,
        IReadOnlyList<NamedGroup>? groups = null,
        IReadOnlyList<NamedGroup>? keyShares = null,
        IReadOnlyList<CipherSuite>? suites = null,
        string alpn = "h3",
        Action<string>? keyLog = null) => new()
        {
            ServerName = Host,
            ApplicationProtocols = [new SslApplicationProtocol(alpn)],
            SupportedGroups = groups ?? [NamedGroup.X25519MlKem768, NamedGroup.X25519, NamedGroup.Secp256r1, NamedGroup.SecP256r1MlKem768],
            KeyShareGroups = keyShares ?? [NamedGroup.X25519MlKem768, NamedGroup.X25519],
            CipherSuites = suites ?? [CipherSuite.Aes128GcmSha256, CipherSuite.Aes256GcmSha384, CipherSuite.ChaCha20Poly1305Sha256],
            LocalTransportParameters = [0xC1, 0x01, 0x02],
            CertificateValidation = new CertificateValidationOptions { TargetHost = Host, ChainPolicy = Trust() },
            RandomSource = new DeterministicRandomSource(seed),
            KeyLog = keyLog,
        };

    public static TlsServerOptions ServerOptionsFor(
        int seed = 2,
        KeyKind certificate = KeyKind.P256,
        IReadOnlyList<NamedGroup>? groups = null,
        IReadOnlyList<CipherSuite>? suites = null,
        string alpn = "h3",
        Action<string>? keyLog = null) => new()
        {
            ServerAuthentication = new SslServerAuthenticationOptions { ServerCertificate = Leaf(certificate) },
            ApplicationProtocols = [new SslApplicationProtocol(alpn)],
            Groups = groups ?? [NamedGroup.X25519MlKem768, NamedGroup.X25519, NamedGroup.Secp256r1, NamedGroup.SecP256r1MlKem768],
            CipherSuites = suites ?? [CipherSuite.Aes128GcmSha256, CipherSuite.Aes256GcmSha384, CipherSuite.ChaCha20Poly1305Sha256],
            LocalTransportParameters = [0x5E, 0x77, 0x01, 0x02],
            RandomSource = new DeterministicRandomSource(seed),
            KeyLog = keyLog,
        };

    /// <summary>Starts the client and pumps until nothing moves or one side fails.</summary>
    public void Run()
    {
        Client.Start(Now);
        Pump();
    }

    /// <summary>Moves messages both ways until neither side has events left.</summary>
    public void Pump()
    {
        bool moved = true;
        while (moved && ClientAlert is null && ServerAlert is null)
        {
            moved = false;
            while (Client.TryPollEvent(out TlsEvent ev))
            {
                moved = true;
                ClientEvents.Add(ev);
                HandleEvent(Direction.ClientToServer, ev);
                if (ServerAlert is not null)
                {
                    return;
                }
            }

            while (Server.TryPollEvent(out TlsEvent ev))
            {
                moved = true;
                ServerEvents.Add(ev);
                HandleEvent(Direction.ServerToClient, ev);
                if (ClientAlert is not null)
                {
                    return;
                }
            }
        }
    }

    public void SetServerOptions(TlsServerOptions options) => ServerAlert ??= Server.SetServerOptions(options, Now);

    public void CompleteClientValidation(CertificateValidationResult result) => ClientAlert ??= Client.CompleteCertificateValidation(result, Now);

    public void CompleteServerValidation(CertificateValidationResult result) => ServerAlert ??= Server.CompleteCertificateValidation(result, Now);

    public T Single<T>(List<TlsEvent> events)
        where T : TlsEvent
    {
        T? found = null;
        foreach (TlsEvent e in events)
        {
            if (e is T t)
            {
                Assert.Null(found);
                found = t;
            }
        }

        Assert.NotNull(found);
        return found!;
    }

    public void AssertSecretsMatch()
    {
        Assert.NotEmpty(ClientSecrets);
        foreach (KeyValuePair<(EncryptionLevel Level, TrafficDirection Dir), byte[]> c in ClientSecrets)
        {
            TrafficDirection opposite = c.Key.Dir == TrafficDirection.Read ? TrafficDirection.Write : TrafficDirection.Read;
            Assert.True(ServerSecrets.TryGetValue((c.Key.Level, opposite), out byte[]? s), $"server lacks {c.Key.Level} {opposite}");
            Assert.Equal(c.Value, s);
        }

        Assert.Equal(ClientSecrets.Count, ServerSecrets.Count);
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }

    private void HandleEvent(Direction direction, TlsEvent ev)
    {
        bool fromClient = direction == Direction.ClientToServer;
        switch (ev)
        {
            case HandshakeDataEvent data:
                Sent.Add((direction, data.Level, data.Data));
                byte[]? bytes = Tamper is null ? data.Data : Tamper(direction, data.Level, data.Data);
                if (bytes is null)
                {
                    break;
                }

                if (fromClient)
                {
                    ServerAlert ??= Server.HandleHandshakeData(data.Level, bytes, Now);
                }
                else
                {
                    ClientAlert ??= Client.HandleHandshakeData(data.Level, bytes, Now);
                }

                break;
            case SecretAvailableEvent secret:
                (fromClient ? ClientSecrets : ServerSecrets)[(secret.Level, secret.Direction)] = secret.Secret;
                break;
            case ClientHelloReceivedEvent when AutoServerOptions && !fromClient && Server.Alert is null && IsServerWaiting():
                SetServerOptions(ServerOptions);
                break;
            case PeerCertificateReceivedEvent cert when AutoValidate:
                // The side that emitted the event received the peer's certificate.
                CertificateValidationOptions options = fromClient
                    ? ClientValidationOptions()
                    : ServerOptions.ClientCertificateValidation ?? CertificateValidationOptions.ForClientCertificate(ServerOptions.ServerAuthentication);
                using (CertificateValidationResult result = new CertificateValidator(options).Validate(cert.Chain))
                {
                    if (fromClient)
                    {
                        CompleteClientValidation(result);
                    }
                    else
                    {
                        CompleteServerValidation(result);
                    }
                }

                break;
        }
    }

    private bool IsServerWaiting() => _deferred;

    private CertificateValidationOptions ClientValidationOptions() => _clientOptions.CertificateValidation!;
}
