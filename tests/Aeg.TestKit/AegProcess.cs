using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Aeg.TestKit;

/// <summary>
/// The real aeg binary (<see cref="AegBinary"/>) as a child process: its standard output and error
/// kept exactly, and each line with the time it arrived (for "line X after time T").
/// </summary>
internal sealed class AegProcess : IDisposable
{
    /// <summary>More output than any test reads; what comes after is dropped, so a long drill cannot fill the memory.</summary>
    private const int MaxChars = 4_000_000;

    private readonly Process _process;
    private readonly object _lock = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(DateTime At, string Line)> _lines = [];
    private readonly Task _pumps;
    private int _chars;

    private AegProcess(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, _stdout), PumpAsync(process.StandardError, _stderr));
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts aeg with <paramref name="args"/> and, on top of this process's environment, <paramref name="environment"/>;
    /// with <paramref name="wrapper"/> (e.g. unshare …) that command runs first and gets the aeg command line appended.
    /// </summary>
    public static AegProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, IEnumerable<string>? wrapper = null)
    {
        var command = (wrapper ?? []).Concat(AegBinary.Command).Concat(args).ToList();
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        return new AegProcess(Process.Start(psi)!);
    }

    /// <summary>Runs aeg to completion (3 min at most by default).</summary>
    public static async Task<AegRun> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        IEnumerable<string>? wrapper = null, TimeSpan? timeout = null)
    {
        using var p = Start(args, environment, wrapper);
        var exit = await p.WaitForExitAsync(timeout ?? TimeSpan.FromMinutes(3));
        return new AegRun(exit, p.Stdout, p.Stderr, p.Output);
    }

    /// <summary>Standard output, byte for byte as decoded.</summary>
    public string Stdout => Read(_stdout);

    /// <summary>Standard error, byte for byte as decoded.</summary>
    public string Stderr => Read(_stderr);

    /// <summary>The lines of both streams so far, in the order they arrived.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return string.Join('\n', _lines.Select(l => l.Line));
            }
        }
    }

    /// <summary>Waits for the first line containing <paramref name="text"/> that arrived after <paramref name="after"/>; returns when it arrived.</summary>
    public async Task<DateTime> WaitForLineAsync(string text, TimeSpan timeout, DateTime after = default)
    {
        DateTime? found = null;
        await WaitUntil.HoldsAsync(() => (found = FindLine(text, after)) is not null || _process.HasExited,
            $"a line with '{text}'", timeout, () => $"exited: {_process.HasExited}; output:\n{Output}");
        // The process may have written the line just before it exited.
        return found ?? FindLine(text, after) ?? throw new InvalidOperationException($"aeg exited without a line with '{text}'; output:\n{Output}");
    }

    /// <summary>Sends a signal with kill(1): KILL, STOP, CONT, TERM.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the exit and for the last output; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        await _pumps.WaitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, like a power cut of the process.</summary>
    public void KillHard()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        _process.WaitForExit();
    }

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
    }

    private DateTime? FindLine(string text, DateTime after)
    {
        lock (_lock)
        {
            foreach (var (at, line) in _lines)
            {
                if (at >= after && line.Contains(text, StringComparison.Ordinal))
                {
                    return at;
                }
            }
        }
        return null;
    }

    private string Read(StringBuilder stream)
    {
        lock (_lock)
        {
            return stream.ToString();
        }
    }

    private async Task PumpAsync(StreamReader reader, StringBuilder exact)
    {
        var buffer = new char[8192];
        var line = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_lock)
            {
                if (_chars > MaxChars)
                {
                    continue;
                }
                _chars += read;
                exact.Append(buffer, 0, read);
                foreach (var c in buffer.AsSpan(0, read))
                {
                    if (c == '\n')
                    {
                        _lines.Add((DateTime.UtcNow, line.ToString().TrimEnd('\r')));
                        line.Clear();
                    }
                    else
                    {
                        line.Append(c);
                    }
                }
            }
        }
        if (line.Length > 0)
        {
            lock (_lock)
            {
                _lines.Add((DateTime.UtcNow, line.ToString()));
            }
        }
    }
}

/// <summary>How a finished aeg ended: exit code, each stream, and both as lines in arrival order.</summary>
internal sealed record AegRun(int Exit, string Stdout, string Stderr, string Output)
{
    /// <summary>The exit code and the two streams apart.</summary>
    public void Deconstruct(out int exit, out string stdout, out string stderr) => (exit, stdout, stderr) = (Exit, Stdout, Stderr);

    /// <summary>The exit code and both streams as lines, for tests that need not tell them apart.</summary>
    public void Deconstruct(out int exit, out string output) => (exit, output) = (Exit, Output);
}
