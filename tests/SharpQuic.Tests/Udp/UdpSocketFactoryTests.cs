using System.Net;
using System.Net.Sockets;
using SharpQuic.Udp;

namespace SharpQuic.Tests.Udp;

public sealed class UdpSocketFactoryTests
{
    [Theory]
    [InlineData(0 /*Auto*/, "portable", 2 /*Portable*/)]
    [InlineData(0, " Portable ", 2)]
    [InlineData(0, "linux", 1)]
    [InlineData(0, null, 0)]
    [InlineData(0, "nonsense", 0)]
    [InlineData(1, "portable", 1)] // an explicit option wins over the environment
    [InlineData(2, "linux", 2)]
    public void Environment_variable_chooses_only_for_Auto(int requested, string? environment, int expected)
        => Assert.Equal((UdpSocketKind)expected, UdpSocketFactory.Resolve((UdpSocketKind)requested, environment));

    [Fact]
    public void Auto_takes_the_fast_path_on_Linux()
    {
        using IUdpSocket s = UdpSocketFactory.Open(new IPEndPoint(IPAddress.Loopback, 0));
        UdpSocketKind expected = Environment.GetEnvironmentVariable(UdpSocketOptions.EnvironmentVariable)?.Trim().ToUpperInvariant() == "PORTABLE"
            ? UdpSocketKind.Portable
            : OperatingSystem.IsLinux() ? UdpSocketKind.Linux : UdpSocketKind.Portable;
        Assert.Equal(expected, s.Kind);
        Assert.NotEqual(0, s.LocalEndPoint.Port);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Binding_a_used_port_throws_instead_of_falling_back(int kind)
    {
        using IUdpSocket first = UdpSocketFactory.Open(new IPEndPoint(IPAddress.Loopback, 0), new UdpSocketOptions { Kind = (UdpSocketKind)kind });
        Assert.Throws<SocketException>(() => UdpSocketFactory.Open(first.LocalEndPoint, new UdpSocketOptions { Kind = (UdpSocketKind)kind }));
    }

    [Fact]
    public void Reuse_port_lets_two_workers_share_a_port()
    {
        var options = new UdpSocketOptions { Kind = UdpSocketKind.Linux, ReusePort = true };
        using IUdpSocket first = UdpSocketFactory.Open(new IPEndPoint(IPAddress.Loopback, 0), options);
        using IUdpSocket second = UdpSocketFactory.Open(first.LocalEndPoint, options);
        Assert.Equal(first.LocalEndPoint, second.LocalEndPoint);
    }

    [Fact]
    public void Options_are_validated()
    {
        var options = new UdpSocketOptions { MaxReceiveDatagramSize = 1000 };
        Assert.Throws<ArgumentOutOfRangeException>(() => UdpSocketFactory.Open(new IPEndPoint(IPAddress.Loopback, 0), options));
    }
}
