namespace SharpQuic.Http3.Tests.Server;

public sealed class Http3AltSvcTests
{
    [Fact]
    public void Formats_same_host_and_named_host()
    {
        Assert.Equal("h3=\":4433\"; ma=86400", Http3AltSvc.Format(4433, TimeSpan.FromDays(1)));
        Assert.Equal("h3=\"alt.example.com:443\"; ma=3600", Http3AltSvc.Format("alt.example.com", 443, TimeSpan.FromHours(1)));
        Assert.Equal("h3=\"[2001:db8::1]:443\"; ma=59", Http3AltSvc.Format("2001:db8::1", 443, TimeSpan.FromSeconds(59.9)));
        Assert.Equal("h3=\"[::1]:8443\"; ma=0", Http3AltSvc.Format("[::1]", 8443, TimeSpan.Zero));
    }

    [Fact]
    public void Refuses_bad_ports_ages_and_hosts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Http3AltSvc.Format(0, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http3AltSvc.Format(65536, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http3AltSvc.Format(443, TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentException>(() => Http3AltSvc.Format("evil\"; ma=1, h2=\"x", 443, TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => Http3AltSvc.Format("a b", 443, TimeSpan.Zero));
    }
}
