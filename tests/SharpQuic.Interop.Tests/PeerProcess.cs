using System.Diagnostics;
using System.Text;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// A peer program under test: started with an argument list (no shell), its stdout and stderr
/// captured (bounded), a hard deadline after which it is killed, and killed by its own PID on
/// Dispose so no test leaves a process behind.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    // Non-quiet ngtcp2 logs every packet; keep the head of the log (where the handshake is)
    // and drop the rest rather than grow without bound.
    private const int MaxCapturedChars = 4 << 20;

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly string _commandLine;
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenRegistration _deadlineKill;
    private bool _disposed;

    private PeerProcess(string fileName, IReadOnlyList<string> arguments, TimeSpan hardTimeout, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (KeyValuePair<string, string> kv in environment)
            {
                info.Environment[kv.Key] = kv.Value;
            }
        }

        _commandLine = fileName + " " + string.Join(' ', arguments);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.Start();
        ProcessId = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // The hard timeout holds even if a test forgets to wait: the process is killed at the deadline.
        _deadline = new CancellationTokenSource(hardTimeout);
        _deadlineKill = _deadline.Token.Register(static state => ((PeerProcess)state!).Kill(), this);
    }

    /// <summary>The process ID (what Dispose kills).</summary>
    public int ProcessId { get; }

    /// <summary>The command line, for failure messages.</summary>
    public string CommandLine => _commandLine;

    /// <summary>Whether the process has ended (always true once disposed: Dispose kills it).</summary>
    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>Whether the hard deadline killed the process.</summary>
    public bool TimedOut => _deadline.IsCancellationRequested;

    /// <summary>Standard output captured so far.</summary>
    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Standard error captured so far.</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/>; it is killed after <paramref name="hardTimeout"/> whatever happens.</summary>
    public static PeerProcess Start(string fileName, IReadOnlyList<string> arguments, TimeSpan hardTimeout, IReadOnlyDictionary<string, string>? environment = null)
        => new(fileName, arguments, hardTimeout, environment);

    /// <summary>
    /// Waits for the process to end and returns its exit code; fails the test (with the captured
    /// output) if it is still running after <paramref name="timeout"/> or was killed by the hard deadline.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"{_commandLine} did not end within {timeout.TotalSeconds:0.#} s.\n{Describe()}");
        }

        // WaitForExitAsync also waits for the redirected streams to reach end of file.
        if (TimedOut)
        {
            Assert.Fail($"{_commandLine} was killed at its hard deadline.\n{Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>
    /// Waits until stdout or stderr contains <paramref name="text"/>; fails the test (with the
    /// output) if the process exits without printing it or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            // Read the exit state first: output printed just before exiting is then already captured
            // once WaitForExit (below) has drained the pipes.
            bool exited = HasExited;
            if (exited)
            {
                _process.WaitForExit();
            }

            if (StandardError.Contains(text, StringComparison.Ordinal) || StandardOutput.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            if (exited)
            {
                Assert.Fail($"{_commandLine} exited without printing \"{text}\".\n{Describe()}");
            }

            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"{_commandLine} did not print \"{text}\" within {timeout.TotalSeconds:0.#} s.\n{Describe()}");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>The command line and the tail of what it printed, for assertion messages.</summary>
    public string Describe()
    {
        return $"command: {_commandLine}\n--- stdout ---\n{Tail(StandardOutput)}\n--- stderr ---\n{Tail(StandardError)}";
    }

    /// <summary>Kills the process (and any child) by its PID if it is still running; waits for it to go.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _deadlineKill.Dispose();   // waits for a deadline kill in progress
        _deadline.Dispose();
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone (or never fully started): nothing is left to stop.
        }
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            if (sb.Length < MaxCapturedChars)
            {
                sb.Append(line).Append('\n');
            }
        }
    }

    private static string Tail(string text)
    {
        const int Max = 6000;
        return text.Length <= Max ? text : "…" + text[^Max..];
    }
}
