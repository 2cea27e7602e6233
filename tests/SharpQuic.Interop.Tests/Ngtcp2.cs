namespace SharpQuic.Interop.Tests;

/// <summary>Finds ngtcp2's example programs (Debian packages ngtcp2-server and ngtcp2-client).</summary>
internal static class Ngtcp2
{
    /// <summary>The HTTP/3 server (package ngtcp2-server, installed in /usr/sbin).</summary>
    public const string ServerProgram = "gtlsserver";

    /// <summary>The HTTP/3 client (package ngtcp2-client).</summary>
    public const string ClientProgram = "gtlsclient";

    // /usr/sbin is not on an ordinary user's PATH, and gtlsserver is installed there.
    private static readonly string[] s_extraDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];

    /// <summary>The server's path; fails the test, saying how to install it, when missing.</summary>
    public static string ServerPath => Require(ServerProgram, "ngtcp2-server");

    /// <summary>The client's path; fails the test, saying how to install it, when missing.</summary>
    public static string ClientPath => Require(ClientProgram, "ngtcp2-client");

    /// <summary>Searches <paramref name="directories"/> in order for an existing file named <paramref name="program"/>.</summary>
    public static string? Find(string program, IEnumerable<string> directories)
    {
        foreach (string dir in directories)
        {
            if (dir.Length == 0)
            {
                continue;
            }

            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>PATH's directories, then the usual system directories.</summary>
    public static IEnumerable<string> SearchDirectories()
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string dir in path.Split(Path.PathSeparator))
        {
            yield return dir;
        }

        foreach (string dir in s_extraDirectories)
        {
            yield return dir;
        }
    }

    /// <summary>The failure message when a program is missing: interop tests fail, never skip silently.</summary>
    public static string MissingMessage(string program, string package) =>
        $"{program} was not found (Debian package {package}). Run ./test.sh at the repository root: it installs " +
        "the interop peers (ngtcp2-client, ngtcp2-server) before running the tests.";

    private static string Require(string program, string package)
    {
        string? path = Find(program, SearchDirectories());
        if (path is null)
        {
            Assert.Fail(MissingMessage(program, package));
        }

        return path;
    }
}
