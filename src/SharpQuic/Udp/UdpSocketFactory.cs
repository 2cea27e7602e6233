using System.Net;
using SharpQuic.Udp.Linux;

namespace SharpQuic.Udp;

/// <summary>Opens the best UDP socket the platform allows.</summary>
internal static class UdpSocketFactory
{
    /// <summary>
    /// Opens and binds a socket. <see cref="UdpSocketKind.Auto"/> (the default) takes the Linux fast
    /// path when it can be set up and the portable socket otherwise; <c>SHARPQUIC_UDP=portable</c>
    /// (or <c>linux</c>) in the environment overrides Auto. Asking for <see cref="UdpSocketKind.Linux"/>
    /// where it cannot work throws <see cref="PlatformNotSupportedException"/>.
    /// </summary>
    /// <exception cref="System.Net.Sockets.SocketException">Binding failed (address in use, not local, …).</exception>
    public static IUdpSocket Open(IPEndPoint localEndPoint, UdpSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        options ??= new UdpSocketOptions();
        options.Validate();
        UdpSocketKind kind = Resolve(options.Kind, Environment.GetEnvironmentVariable(UdpSocketOptions.EnvironmentVariable));
        if (kind == UdpSocketKind.Portable)
        {
            return PortableUdpSocket.Open(localEndPoint, options);
        }

        LinuxUdpSocket? fast = LinuxUdpSocket.TryOpen(localEndPoint, options);
        if (fast is not null)
        {
            return fast;
        }

        if (kind == UdpSocketKind.Linux)
        {
            throw new PlatformNotSupportedException("The Linux UDP fast path needs 64-bit Linux with recvmmsg/sendmmsg.");
        }

        return PortableUdpSocket.Open(localEndPoint, options);
    }

    /// <summary>The kind to open: an explicit choice wins, then the environment variable, then Auto.</summary>
    internal static UdpSocketKind Resolve(UdpSocketKind requested, string? environment)
    {
        if (requested != UdpSocketKind.Auto)
        {
            return requested;
        }

        return environment?.Trim().ToUpperInvariant() switch
        {
            "PORTABLE" => UdpSocketKind.Portable,
            "LINUX" or "FAST" => UdpSocketKind.Linux,
            _ => UdpSocketKind.Auto,
        };
    }
}
