using SharpQuic.Tls.Handshake;

namespace SharpQuic.Tls.Tests.Handshake;

/// <summary>
/// Replays a recorded handshake (deterministic seeds make every run produce the same messages) into a fresh engine
/// with one message mutated: bit flips, truncation or insertion. The engine must answer with an alert or carry on;
/// it must never throw.
/// </summary>
public sealed class HandshakeMutationTests
{
    private const int Runs = 20_000;

    [Fact]
    public void MutatedMessages_GiveAlertsNotExceptions()
    {
        // Record a reference handshake (X25519 keeps each replay cheap; a client certificate adds those messages).
        List<(Direction Direction, EncryptionLevel Level, byte[] Bytes)> recorded;
        using (var pair = new HandshakePair(
            HandshakePair.ClientOptions(groups: [NamedGroup.X25519], keyShares: [NamedGroup.X25519]),
            HandshakePair.ServerOptionsFor(groups: [NamedGroup.X25519])))
        {
            pair.Run();
            Assert.True(pair.Server.IsHandshakeComplete);
            recorded = pair.Sent;
        }

        var fromServer = recorded.Where(m => m.Direction == Direction.ServerToClient).ToList();
        var fromClient = recorded.Where(m => m.Direction == Direction.ClientToServer).ToList();
        var random = new Random(12345);
        int alerts = 0;
        int continued = 0;
        for (int run = 0; run < Runs; run++)
        {
            bool targetClient = (run & 1) == 0;
            List<(Direction Direction, EncryptionLevel Level, byte[] Bytes)> stream = targetClient ? fromServer : fromClient;
            int victim = random.Next(stream.Count);
            byte[] mutated = Mutate(stream[victim].Bytes, random);
            TlsAlert? alert = targetClient ? ReplayToClient(stream, victim, mutated) : ReplayToServer(stream, victim, mutated);
            if (alert is null)
            {
                continued++;
            }
            else
            {
                alerts++;
            }
        }

        Assert.Equal(Runs, alerts + continued);
        Assert.True(alerts > Runs / 2, $"only {alerts} alerts");
    }

    private static TlsAlert? ReplayToClient(List<(Direction Direction, EncryptionLevel Level, byte[] Bytes)> stream, int victim, byte[] mutated)
    {
        using var client = new TlsClientConnection(HandshakePair.ClientOptions(groups: [NamedGroup.X25519], keyShares: [NamedGroup.X25519]));
        DateTimeOffset now = Certificates.TestPki.Now;
        client.Start(now);
        for (int i = 0; i <= victim; i++)
        {
            TlsAlert? alert = client.HandleHandshakeData(stream[i].Level, i == victim ? mutated : stream[i].Bytes, now);
            while (client.TryPollEvent(out TlsEvent ev))
            {
                if (ev is PeerCertificateReceivedEvent)
                {
                    // Skip chain building: the mutation test is about parsing and state, not X.509 policy.
                    return alert;
                }
            }

            if (alert is not null)
            {
                return alert;
            }
        }

        return null;
    }

    private static TlsAlert? ReplayToServer(List<(Direction Direction, EncryptionLevel Level, byte[] Bytes)> stream, int victim, byte[] mutated)
    {
        using var server = new TlsServerConnection(HandshakePair.ServerOptionsFor(groups: [NamedGroup.X25519]));
        DateTimeOffset now = Certificates.TestPki.Now;
        for (int i = 0; i <= victim; i++)
        {
            TlsAlert? alert = server.HandleHandshakeData(stream[i].Level, i == victim ? mutated : stream[i].Bytes, now);
            while (server.TryPollEvent(out _))
            {
            }

            if (alert is not null)
            {
                return alert;
            }
        }

        return null;
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] b = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                int flips = 1 + random.Next(4);
                for (int i = 0; i < flips; i++)
                {
                    b[random.Next(b.Length)] ^= (byte)(1 << random.Next(8));
                }

                return b;
            case 1:
                return b[..random.Next(b.Length)];
            case 2:
                int at = random.Next(b.Length + 1);
                byte[] extra = new byte[1 + random.Next(8)];
                random.NextBytes(extra);
                return [.. b[..at], .. extra, .. b[at..]];
            default:
                // Change a length-like byte in the first 64 bytes, where headers and vector lengths live.
                b[random.Next(Math.Min(64, b.Length))] = (byte)random.Next(256);
                return b;
        }
    }
}
