using System.Net;
using SharpQuic.Udp;

namespace SharpQuic.Tests.Udp;

public sealed class EndPointCacheTests
{
    [Fact]
    public void Hits_return_the_same_instance_and_misses_a_correct_one()
    {
        var cache = new EndPointCache(8);
        byte[] v4 = [192, 0, 2, 1];
        IPEndPoint first = cache.GetV4(v4, 443);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 443), first);
        Assert.Same(first, cache.GetV4(v4, 443));
        Assert.Equal(1, cache.Misses);

        IPEndPoint otherPort = cache.GetV4(v4, 444);
        Assert.Equal(444, otherPort.Port);
        Assert.NotSame(first, otherPort);

        byte[] v6 = IPAddress.Parse("2001:db8::1").GetAddressBytes();
        IPEndPoint six = cache.GetV6(v6, 443, 0);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 443), six);
        Assert.Same(six, cache.GetV6(v6, 443, 0));
        IPEndPoint scoped = cache.GetV6(v6, 443, 3);
        Assert.Equal(3, scoped.Address.ScopeId);
    }

    [Fact]
    public void Collisions_never_return_a_wrong_end_point()
    {
        var cache = new EndPointCache(1); // one slot: every new key collides
        var rng = new Random(7);
        byte[] a = new byte[4];
        for (int i = 0; i < 1000; i++)
        {
            rng.NextBytes(a);
            int port = rng.Next(1, 65536);
            IPEndPoint ep = cache.GetV4(a, port);
            Assert.Equal(new IPEndPoint(new IPAddress(a), port), ep);
        }
    }
}
