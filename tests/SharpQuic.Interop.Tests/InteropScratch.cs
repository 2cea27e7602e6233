using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cli.Cert;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// A fresh temporary directory for one interop run: a new development certificate (cert.pem,
/// key.pem), a document root and a download directory. Deleted on Dispose.
/// </summary>
internal sealed class InteropScratch : IDisposable
{
    /// <summary>Creates the directory and a certificate valid for one day.</summary>
    public InteropScratch()
    {
        Root = Directory.CreateTempSubdirectory("sharpquic-interop-").FullName;
        Certificate = DevelopmentCertificate.Create(TimeSpan.FromDays(1));
        DevelopmentCertificate.WritePem(Certificate, Root);
        Directory.CreateDirectory(HtDocs);
        Directory.CreateDirectory(Downloads);
    }

    /// <summary>The directory.</summary>
    public string Root { get; }

    /// <summary>The certificate (with its private key) written to <see cref="CertificatePath"/> and <see cref="KeyPath"/>.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>PEM certificate.</summary>
    public string CertificatePath => Path.Combine(Root, DevelopmentCertificate.CertificateFileName);

    /// <summary>PEM PKCS#8 private key.</summary>
    public string KeyPath => Path.Combine(Root, DevelopmentCertificate.KeyFileName);

    /// <summary>A server's document root.</summary>
    public string HtDocs => Path.Combine(Root, "htdocs");

    /// <summary>Where a client downloads to.</summary>
    public string Downloads => Path.Combine(Root, "downloads");

    /// <summary>A UDP port on 127.0.0.1 that was free a moment ago (the kernel chose it).</summary>
    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Waits until some socket is bound to UDP <paramref name="port"/> (Linux: /proc/net/udp),
    /// so that a client is not started before the server listens. Fails the test on timeout
    /// or when <paramref name="server"/> exits first.
    /// </summary>
    public static async Task WaitUntilUdpPortBoundAsync(int port, PeerProcess server, TimeSpan timeout)
    {
        if (!File.Exists("/proc/net/udp"))
        {
            await Task.Delay(300).ConfigureAwait(false);   // no way to look: give the server a moment
            return;
        }

        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!IsUdpPortBound(port))
        {
            if (server.HasExited)
            {
                Assert.Fail($"The server exited before listening on port {port}.\n{server.Describe()}");
            }

            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"The server did not bind UDP port {port} within {timeout.TotalSeconds:0.#} s.\n{server.Describe()}");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>Whether /proc/net/udp or /proc/net/udp6 lists a socket bound to local <paramref name="port"/>.</summary>
    public static bool IsUdpPortBound(int port)
    {
        string needle = ":" + port.ToString("X4", CultureInfo.InvariantCulture) + " ";
        foreach (string table in (string[])["/proc/net/udp", "/proc/net/udp6"])
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (string line in File.ReadLines(table))
            {
                // "  sl  local_address rem_address ...": the local address is the second column.
                string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length > 1 && (columns[1] + " ").EndsWith(needle, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Deletes the directory.</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A peer killed mid-write may still hold a file for a moment; the OS temp cleaner takes the rest.
        }
    }
}
