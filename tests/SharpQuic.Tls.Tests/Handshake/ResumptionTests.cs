using System.Net.Security;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Handshake;
using SharpQuic.Tls.Tests.Certificates;
using SharpQuic.Tls.Tickets;

namespace SharpQuic.Tls.Tests.Handshake;

public sealed class ResumptionTests
{
    private static readonly byte[] TicketKey = new byte[32];

    internal static TlsServerOptions Server(TicketProtector protector, bool earlyData = true, UsedTicketSet? singleUse = null, byte[]? context = null, int seed = 2)
    {
        TlsServerOptions o = HandshakePair.ServerOptionsFor(seed: seed);
        return new TlsServerOptions
        {
            ServerAuthentication = o.ServerAuthentication,
            ApplicationProtocols = o.ApplicationProtocols,
            LocalTransportParameters = o.LocalTransportParameters,
            RandomSource = o.RandomSource,
            TicketProtector = protector,
            TicketsPerConnection = 2,
            EnableEarlyData = earlyData,
            SingleUseTickets = singleUse,
            EarlyDataContext = context ?? [],
        };
    }

    internal static TlsClientOptions Client(SessionTicket? ticket, bool earlyData, int seed = 1)
    {
        TlsClientOptions c = HandshakePair.ClientOptions(seed: seed);
        return new TlsClientOptions
        {
            ServerName = c.ServerName,
            ApplicationProtocols = c.ApplicationProtocols,
            CertificateValidation = c.CertificateValidation,
            LocalTransportParameters = c.LocalTransportParameters,
            RandomSource = c.RandomSource,
            SessionTicket = ticket,
            EnableEarlyData = earlyData,
        };
    }

    internal static SessionTicket FirstTicket(TicketProtector protector, bool earlyData = true)
    {
        using var pair = new HandshakePair(Client(null, false), Server(protector, earlyData));
        pair.Run();
        Assert.True(pair.Client.IsHandshakeComplete);
        var tickets = pair.ClientEvents.OfType<NewSessionTicketReceivedEvent>().ToList();
        Assert.Equal(2, tickets.Count);
        Assert.NotEqual(tickets[0].Ticket.Psk, tickets[1].Ticket.Psk);
        return tickets[0].Ticket;
    }

    [Fact]
    public void Resumption_SkipsCertificates()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector, earlyData: false);
        Assert.False(ticket.AllowsEarlyData);
        Assert.Equal([0x5E, 0x77, 0x01, 0x02], ticket.TransportParameters);

        using var pair = new HandshakePair(Client(ticket, earlyData: true, seed: 5), Server(protector, earlyData: false, seed: 6));
        pair.Now = pair.Now.AddSeconds(30);
        pair.Run();

        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.True(pair.Server.IsHandshakeComplete);
        Assert.True(pair.Client.IsResumed);
        Assert.True(pair.Server.IsResumed);
        Assert.Null(pair.Client.PeerCertificate);
        Assert.False(pair.Client.EarlyDataAccepted);
        Assert.DoesNotContain(pair.Sent, m => m.Bytes[0] is 11 or 15);
        Assert.DoesNotContain(pair.ClientEvents, e => e is EarlyDataRejectedEvent);
        pair.AssertSecretsMatch();
        Assert.Equal(pair.Client.ExportKeyingMaterial("e", [], 32), pair.Server.ExportKeyingMaterial("e", [], 32));
    }

    [Fact]
    public void EarlyData_Accepted()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        Assert.True(ticket.AllowsEarlyData);

        using var pair = new HandshakePair(Client(ticket, earlyData: true, seed: 5), Server(protector, seed: 6));
        pair.Now = pair.Now.AddSeconds(2);
        pair.Run();

        Assert.True(pair.Client.EarlyDataAccepted);
        Assert.True(pair.Server.EarlyDataAccepted);
        Assert.True(pair.Server.IsResumed);
        byte[] early = pair.ClientSecrets[(EncryptionLevel.EarlyData, TrafficDirection.Write)];
        Assert.Equal(early, pair.ServerSecrets[(EncryptionLevel.EarlyData, TrafficDirection.Read)]);
        pair.AssertSecretsMatch();
        Assert.DoesNotContain(pair.ClientEvents, e => e is EarlyDataRejectedEvent);
    }

    [Fact]
    public void EarlyData_RejectedByPolicy_HandshakeStillCompletes()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        using var pair = new HandshakePair(Client(ticket, earlyData: true, seed: 5), Server(protector, earlyData: false, seed: 6));
        pair.Run();

        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.True(pair.Client.IsResumed);
        Assert.False(pair.Client.EarlyDataAccepted);
        pair.Single<EarlyDataRejectedEvent>(pair.ClientEvents);
        Assert.True(pair.ClientSecrets.ContainsKey((EncryptionLevel.EarlyData, TrafficDirection.Write)));
        Assert.False(pair.ServerSecrets.ContainsKey((EncryptionLevel.EarlyData, TrafficDirection.Read)));
    }

    [Fact]
    public void EarlyData_RejectedWhenContextChanged()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        using var pair = new HandshakePair(Client(ticket, earlyData: true, seed: 5), Server(protector, context: [9], seed: 6));
        pair.Run();
        Assert.True(pair.Client.IsResumed);
        pair.Single<EarlyDataRejectedEvent>(pair.ClientEvents);
    }

    [Fact]
    public void SingleUseTicket_ReusedGetsFullHandshake()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        var used = new UsedTicketSet(16);

        using (var first = new HandshakePair(Client(ticket, true, seed: 5), Server(protector, singleUse: used, seed: 6)))
        {
            first.Run();
            Assert.True(first.Server.IsResumed);
            Assert.True(first.Server.EarlyDataAccepted);
        }

        using var second = new HandshakePair(Client(ticket, true, seed: 7), Server(protector, singleUse: used, seed: 8));
        second.Run();
        Assert.True(second.Client.IsHandshakeComplete);
        Assert.False(second.Server.IsResumed);
        Assert.False(second.Client.IsResumed);
        Assert.NotNull(second.Client.PeerCertificate);
        second.Single<EarlyDataRejectedEvent>(second.ClientEvents);
        Assert.Equal(1, used.Count);
    }

    [Fact]
    public void UnknownTicketKey_GetsFullHandshake()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        using var other = new TicketProtector(Enumerable.Repeat((byte)7, 32).ToArray());
        using var pair = new HandshakePair(Client(ticket, true, seed: 5), Server(other, seed: 6));
        pair.Run();
        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.False(pair.Client.IsResumed);
    }

    [Fact]
    public void BadBinder_IsDecryptError()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        using var pair = new HandshakePair(Client(ticket, false, seed: 5), Server(protector, seed: 6))
        {
            Tamper = (d, l, b) =>
            {
                if (b[0] == 1)
                {
                    b = (byte[])b.Clone();
                    b[^1] ^= 1;
                }

                return b;
            },
        };
        pair.Run();
        Assert.Equal(TlsAlert.DecryptError, pair.ServerAlert);
    }

    [Fact]
    public void Resumption_AfterHelloRetryRequest()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        TlsClientOptions c = Client(ticket, true, seed: 5);
        var client = new TlsClientOptions
        {
            ServerName = c.ServerName, ApplicationProtocols = c.ApplicationProtocols, CertificateValidation = c.CertificateValidation,
            LocalTransportParameters = c.LocalTransportParameters, SessionTicket = ticket, EnableEarlyData = true,
            KeyShareGroups = [NamedGroup.X25519],
        };
        using var pair = new HandshakePair(client, Server(protector, seed: 6));
        pair.Run();
        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.True(pair.Client.IsResumed);
        Assert.Equal(NamedGroup.X25519MlKem768, pair.Client.NegotiatedGroup);
        pair.Single<EarlyDataRejectedEvent>(pair.ClientEvents);
        Assert.False(pair.Server.EarlyDataAccepted);
    }

    [Fact]
    public void Ticket_SerializeRoundTrip_AndRejectsDamage()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        byte[] bytes = ticket.Serialize();
        Assert.True(SessionTicket.TryDeserialize(bytes, out SessionTicket? back));
        Assert.Equal(ticket.Ticket, back!.Ticket);
        Assert.Equal(ticket.Psk, back.Psk);
        Assert.Equal(ticket.Suite, back.Suite);
        Assert.Equal(ticket.ApplicationProtocol, back.ApplicationProtocol);
        Assert.Equal(ticket.ServerName, back.ServerName);
        Assert.Equal(ticket.AgeAdd, back.AgeAdd);
        Assert.Equal(ticket.LifetimeSeconds, back.LifetimeSeconds);
        Assert.Equal(ticket.MaxEarlyDataSize, back.MaxEarlyDataSize);
        Assert.Equal(ticket.TransportParameters, back.TransportParameters);
        Assert.Equal(ticket.ReceivedAt.ToUnixTimeMilliseconds(), back.ReceivedAt.ToUnixTimeMilliseconds());

        for (int n = 0; n < bytes.Length; n++)
        {
            Assert.False(SessionTicket.TryDeserialize(bytes.AsSpan(0, n), out _));
        }

        Assert.False(SessionTicket.TryDeserialize([.. bytes, 0], out _));
        byte[] badVersion = (byte[])bytes.Clone();
        badVersion[4] = 2;
        Assert.False(SessionTicket.TryDeserialize(badVersion, out _));

        // The deserialized ticket still resumes.
        using var pair = new HandshakePair(Client(back, true, seed: 9), Server(protector, seed: 10));
        pair.Run();
        Assert.True(pair.Client.IsResumed);
        Assert.True(pair.Client.EarlyDataAccepted);
    }

    [Fact]
    public void ExpiredTicket_IsNotOffered()
    {
        using var protector = new TicketProtector(TicketKey);
        SessionTicket ticket = FirstTicket(protector);
        using var pair = new HandshakePair(Client(ticket, true, seed: 5), Server(protector, seed: 6));
        pair.Now = pair.Now.AddDays(2);
        pair.Run();
        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.False(pair.Client.IsResumed);
        Assert.False(pair.ClientSecrets.ContainsKey((EncryptionLevel.EarlyData, TrafficDirection.Write)));
    }
}
