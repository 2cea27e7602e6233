namespace SharpQuic.Http3;

/// <summary>
/// Turns a request's relative path into a file system path that is certainly under the root, or
/// refuses it. The relative path arrives percent-decoded once (by the router) and is never decoded
/// again, so "%252e%252e" names a file called "%2e%2e", not "..".
/// </summary>
internal static class StaticFilePath
{
    /// <summary>Longest relative path considered; longer ones are refused before touching the disk.</summary>
    private const int MaxLength = 4096;

    /// <summary>
    /// The full path for <paramref name="relativePath"/> under <paramref name="rootFullPath"/>
    /// (which ends with a separator), or false. Refuses "." and ".." segments, empty segments
    /// (except one trailing '/' for a directory), '\\', ':', NUL and other controls, rooted paths,
    /// anything whose full path leaves the root, and symbolic links (file or any directory on the
    /// way) whose final target is outside the root.
    /// </summary>
    public static bool TryResolve(string rootFullPath, string relativePath, out string fullPath)
    {
        fullPath = string.Empty;
        if (relativePath.Length > MaxLength || relativePath.StartsWith('/'))
        {
            return false;
        }

        ReadOnlySpan<char> rest = relativePath.EndsWith('/') ? relativePath.AsSpan(0, relativePath.Length - 1) : relativePath;
        if (rest.IsEmpty)
        {
            fullPath = rootFullPath;
            return true;
        }

        foreach (Range range in rest.Split('/'))
        {
            ReadOnlySpan<char> segment = rest[range];
            if (segment.IsEmpty || segment is "." or "..")
            {
                return false;
            }

            foreach (char c in segment)
            {
                // '\\' is a separator on Windows; ':' makes drive-relative paths and NTFS streams there.
                if (c < 0x20 || c == 0x7f || c == '\\' || c == ':')
                {
                    return false;
                }
            }
        }

        string relative = rest.ToString();
        if (Path.IsPathRooted(relative))
        {
            return false;
        }

        string candidate = Path.GetFullPath(Path.Combine(rootFullPath, relative));
        if (!candidate.StartsWith(rootFullPath, StringComparison.Ordinal) || !LinksStayInside(rootFullPath, candidate))
        {
            return false;
        }

        fullPath = candidate;
        return true;
    }

    /// <summary>The root as a full path ending with a separator, for the ordinal prefix check.</summary>
    public static string NormalizeRoot(string rootDirectory)
    {
        string full = Path.GetFullPath(rootDirectory);
        return Path.EndsInDirectorySeparator(full) ? full : full + Path.DirectorySeparatorChar;
    }

    /// <summary>Whether every existing component from the root down to <paramref name="candidate"/>
    /// that is a symbolic link resolves (finally) under the root.</summary>
    private static bool LinksStayInside(string rootFullPath, string candidate)
    {
        // A root that is itself a link: links inside may point at its real location too.
        string? realRoot = null;
        int index = rootFullPath.Length;
        while (index <= candidate.Length)
        {
            int next = candidate.IndexOf(Path.DirectorySeparatorChar, index);
            int end = next < 0 ? candidate.Length : next;
            string component = candidate[..end];
            var info = new FileInfo(component);
            if (!info.Exists && !Directory.Exists(component))
            {
                return true; // nothing more exists on disk, so no link to follow; opening will fail
            }

            if (info.LinkTarget is not null)
            {
                FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
                if (target is null)
                {
                    return false;
                }

                realRoot ??= RealRoot(rootFullPath);
                string targetPath = Path.GetFullPath(target.FullName);
                if (!IsUnder(targetPath, rootFullPath) && !IsUnder(targetPath, realRoot))
                {
                    return false;
                }
            }

            if (next < 0)
            {
                break;
            }

            index = next + 1;
        }

        return true;
    }

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(root, StringComparison.Ordinal) || string.Equals(path + Path.DirectorySeparatorChar, root, StringComparison.Ordinal);

    private static string RealRoot(string rootFullPath)
    {
        string trimmed = Path.TrimEndingDirectorySeparator(rootFullPath);
        FileSystemInfo? target = new DirectoryInfo(trimmed).ResolveLinkTarget(returnFinalTarget: true);
        return target is null ? rootFullPath : NormalizeRoot(target.FullName);
    }
}
