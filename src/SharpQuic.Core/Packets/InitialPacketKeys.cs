using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Core.Packets;

/// <summary>
/// The Initial packet keys of both directions, derived from the client's first Destination
/// Connection ID and the version's salt and labels (RFC 9001 §5.2, RFC 9369 §3.3). Always
/// AES-128-GCM.
/// </summary>
public sealed class InitialPacketKeys : IDisposable
{
    private InitialPacketKeys(PacketProtectionKeys client, PacketProtectionKeys server)
    {
        Client = client;
        Server = server;
    }

    /// <summary>Keys protecting the packets the client sends.</summary>
    public PacketProtectionKeys Client { get; }

    /// <summary>Keys protecting the packets the server sends.</summary>
    public PacketProtectionKeys Server { get; }

    /// <summary>Derives both directions' keys.</summary>
    public static InitialPacketKeys Derive(ReadOnlySpan<byte> destinationConnectionId, QuicVersion version)
    {
        QuicKeyLabels labels = version.KeyLabels;
        Span<byte> clientSecret = stackalloc byte[InitialSecrets.SecretSize];
        Span<byte> serverSecret = stackalloc byte[InitialSecrets.SecretSize];
        PacketProtectionKeys? client = null;
        try
        {
            InitialSecrets.Derive(labels, destinationConnectionId, clientSecret, serverSecret);
            client = PacketProtectionKeys.FromSecret(CipherSuite.Aes128GcmSha256, clientSecret, labels);
            PacketProtectionKeys server = PacketProtectionKeys.FromSecret(CipherSuite.Aes128GcmSha256, serverSecret, labels);
            var keys = new InitialPacketKeys(client, server);
            client = null;
            return keys;
        }
        finally
        {
            client?.Dispose();
            CryptographicOperations.ZeroMemory(clientSecret);
            CryptographicOperations.ZeroMemory(serverSecret);
        }
    }

    /// <summary>The keys this endpoint seals with.</summary>
    public PacketProtectionKeys SealKeys(bool isServer) => isServer ? Server : Client;

    /// <summary>The keys this endpoint opens the peer's packets with.</summary>
    public PacketProtectionKeys OpenKeys(bool isServer) => isServer ? Client : Server;

    /// <inheritdoc/>
    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
