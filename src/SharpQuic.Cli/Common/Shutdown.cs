using System.Runtime.InteropServices;

namespace SharpQuic.Cli.Common;

/// <summary>Runs an async command with a token that Ctrl-C (SIGINT) and SIGTERM cancel, so servers close gracefully.</summary>
internal static class Shutdown
{
    /// <summary>Runs <paramref name="command"/> to completion and returns its exit code.</summary>
    public static int Run(string[] args, Func<string[], CancellationToken, Task<int>> command)
    {
        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Cancel(context, stop));
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Cancel(context, stop));
        return command(args, stop.Token).GetAwaiter().GetResult();
    }

    private static void Cancel(PosixSignalContext context, CancellationTokenSource stop)
    {
        // The first signal asks for a graceful stop; a second one gets the default behaviour (exit at once).
        if (!stop.IsCancellationRequested)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
