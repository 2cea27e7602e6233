namespace SharpQuic.Udp;

/// <summary>How <see cref="UdpSocketFactory.Open"/> sets up a socket. Every fast-path feature is best effort: when the kernel refuses it, it is off.</summary>
internal sealed class UdpSocketOptions
{
    /// <summary>The environment variable that forces an implementation: <c>SHARPQUIC_UDP=portable</c> (or <c>linux</c>).</summary>
    public const string EnvironmentVariable = "SHARPQUIC_UDP";

    /// <summary>Which implementation; the environment variable wins over <see cref="UdpSocketKind.Auto"/>.</summary>
    public UdpSocketKind Kind { get; set; } = UdpSocketKind.Auto;

    /// <summary>When binding an IPv6 address, also accept IPv4 (IPV6_V6ONLY off).</summary>
    public bool DualStack { get; set; } = true;

    /// <summary>SO_REUSEPORT: several sockets (one per worker) on one port; the kernel spreads flows among them.</summary>
    public bool ReusePort { get; set; }

    /// <summary>Use UDP_SEGMENT (GSO) when the kernel has it; <c>SHARPQUIC_GSO=0</c> in the environment turns it off (measurements).</summary>
    public bool EnableGso { get; set; } = Environment.GetEnvironmentVariable("SHARPQUIC_GSO") != "0";

    /// <summary>Use UDP_GRO when the kernel has it.</summary>
    public bool EnableGro { get; set; } = true;

    /// <summary>Set and report ECN codepoints.</summary>
    public bool EnableEcn { get; set; } = true;

    /// <summary>Report the local destination address of each datagram.</summary>
    public bool EnablePacketInfo { get; set; } = true;

    /// <summary>
    /// Don't let the IP layer fragment (IP_PMTUDISC_PROBE): QUIC finds the path MTU itself
    /// (RFC 9000 §14, DPLPMTUD in RFC 8899) and needs oversized probes to be lost, not fragmented.
    /// </summary>
    public bool DontFragment { get; set; } = true;

    /// <summary>The largest datagram received without GRO; longer ones are truncated by the kernel and dropped. Default 2,048.</summary>
    public int MaxReceiveDatagramSize { get; set; } = 2048;

    /// <summary>SO_RCVBUF in bytes, or 0 for the system default.</summary>
    public int ReceiveBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>SO_SNDBUF in bytes, or 0 for the system default.</summary>
    public int SendBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Entries in the source-address cache (rounded up to a power of two).</summary>
    public int EndPointCacheSize { get; set; } = 256;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReceiveDatagramSize, 1200, nameof(MaxReceiveDatagramSize)); // RFC 9000 §14
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxReceiveDatagramSize, 65_535, nameof(MaxReceiveDatagramSize));
        ArgumentOutOfRangeException.ThrowIfNegative(ReceiveBufferSize, nameof(ReceiveBufferSize));
        ArgumentOutOfRangeException.ThrowIfNegative(SendBufferSize, nameof(SendBufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(EndPointCacheSize, 1, nameof(EndPointCacheSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EndPointCacheSize, 1 << 20, nameof(EndPointCacheSize));
    }
}
