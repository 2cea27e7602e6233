namespace SharpQuic.Cli.Get;

/// <summary>
/// <c>get --session-file F</c>: the resumption ticket kept between runs (the library's serialized ticket, which holds
/// the resumption secret: the file is created readable by its owner only). A missing file means a first connection.
/// </summary>
internal static class SessionFile
{
    /// <summary>Far above any real ticket; a larger file is not one of ours.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Reads the ticket; null when the file does not exist. Throws IOException for an oversized file.</summary>
    public static async Task<byte[]?> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var info = new FileInfo(path);
        if (info.Length > MaxLength)
        {
            throw new IOException($"{path} is {info.Length} bytes: not a session file");
        }

        return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits a little for the server's ticket (it follows the handshake) and stores it; false when none came.</summary>
    public static async Task<bool> SaveAsync(QuicConnection connection, string path, CancellationToken cancellationToken)
    {
        byte[]? ticket = connection.ResumptionTicket;
        for (int i = 0; ticket is null && i < 50; i++)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            ticket = connection.ResumptionTicket;
        }

        if (ticket is null)
        {
            return false;
        }

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        FileStream file = new(path, options);
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(ticket, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>One line on what the session did.</summary>
    public static string Describe(QuicConnection connection) =>
        $"session: {(connection.IsResumed ? "resumed" : "full handshake")}, early data {connection.EarlyDataAccepted switch
        {
            true => "accepted",
            false => "rejected (resent in 1-RTT)",
            null => "not sent",
        }}";
}
