using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Certificates;

namespace SharpQuic.Tls.Tests.Certificates;

/// <summary>RFC 6125 identifier matching, unit by unit.</summary>
public sealed class HostNameMatcherTests
{
    [Theory]
    [InlineData("*.example.com", "a.example.com", true)]
    [InlineData("*.Example.COM", "xn--bcher-kva.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", false)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.com", "example.com", false)]
    [InlineData("*", "example", false)]
    [InlineData("f*.example.com", "foo.example.com", false)]
    [InlineData("a.*.example.com", "a.b.example.com", false)]
    [InlineData("*.*.example.com", "a.b.example.com", false)]
    [InlineData("example.com.", "example.com", true)]
    [InlineData("EXAMPLE.com", "example.COM", true)]
    [InlineData("example.com", "example.co", false)]
    [InlineData("", "example.com", false)]
    [InlineData("bücher.example", "xn--bcher-kva.example", false)]
    public void DnsPatterns(string pattern, string asciiHost, bool expected)
    {
        Assert.Equal(expected, HostNameMatcher.MatchesDnsPattern(pattern, asciiHost));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("fe80::1%2", true)]
    [InlineData("1", false)]
    [InlineData("1.2.3", false)]
    [InlineData("0x7f.0.0.1", false)]
    [InlineData("256.1.1.1", false)]
    [InlineData("[127.0.0.1]", false)]
    [InlineData("example.com", false)]
    public void IpLiteralsAreStrict(string host, bool isIp)
    {
        Assert.Equal(isIp, HostNameMatcher.TryParseIpLiteral(host, out _));
    }

    [Fact]
    public void InternationalNamesAreComparedInAsciiForm()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["xn--bcher-kva.example", "*.xn--caf-dma.example"]);
        Assert.True(HostNameMatcher.Matches(leaf, "bücher.example"));
        Assert.True(HostNameMatcher.Matches(leaf, "BÜCHER.example"));
        Assert.True(HostNameMatcher.Matches(leaf, "xn--bcher-kva.example"));
        Assert.True(HostNameMatcher.Matches(leaf, "www.café.example"));
        Assert.False(HostNameMatcher.Matches(leaf, "bucher.example"));
        Assert.False(HostNameMatcher.Matches(leaf, "*.café.example"));
    }

    [Fact]
    public void CommonNameIsIgnoredUnlessFallbackIsChosenAndThereIsNoSanDnsName()
    {
        using X509Certificate2 cnOnly = TestPki.CreateLeaf(subject: "CN=legacy.example");
        Assert.False(HostNameMatcher.Matches(cnOnly, "legacy.example"));
        Assert.True(HostNameMatcher.Matches(cnOnly, "legacy.example", allowCommonNameFallback: true));
        Assert.False(HostNameMatcher.Matches(cnOnly, "other.example", allowCommonNameFallback: true));

        using X509Certificate2 withSan = TestPki.CreateLeaf(dnsNames: ["san.example"], subject: "CN=legacy.example");
        Assert.False(HostNameMatcher.Matches(withSan, "legacy.example", allowCommonNameFallback: true));
        Assert.True(HostNameMatcher.Matches(withSan, "san.example", allowCommonNameFallback: true));

        // Never for IP literals.
        using X509Certificate2 ipCn = TestPki.CreateLeaf(subject: "CN=192.0.2.1");
        Assert.False(HostNameMatcher.Matches(ipCn, "192.0.2.1", allowCommonNameFallback: true));
    }

    [Fact]
    public void CertificateWithoutSanMatchesNothing()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf();
        Assert.False(HostNameMatcher.Matches(leaf, "leaf"));
        Assert.False(HostNameMatcher.Matches(leaf, "127.0.0.1"));
        Assert.False(HostNameMatcher.Matches(leaf, ""));
    }
}
