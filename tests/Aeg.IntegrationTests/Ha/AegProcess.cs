using System.Diagnostics;
using Aeg.IntegrationTests.Infrastructure;

namespace Aeg.IntegrationTests.Ha;

/// <summary>A real <c>aeg</c> process (the test build's aeg.dll) whose output lines are kept with the time they arrived.</summary>
internal sealed class AegProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<(DateTime At, string Line)> _lines = [];

    private AegProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts aeg (<see cref="AegBinary"/>) with args with the given extra environment.</summary>
    public static AegProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var psi = AegBinary.StartInfo(args);
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }
        var p = new AegProcess(new Process { StartInfo = psi });
        p._process.OutputDataReceived += (_, e) => p.Add(e.Data);
        p._process.ErrorDataReceived += (_, e) => p.Add(e.Data);
        p._process.Start();
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        return p;
    }

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.Select(l => l.Line));
            }
        }
    }

    /// <summary>Waits for the first line containing <paramref name="text"/> that arrived after <paramref name="after"/>; returns when it arrived.</summary>
    public async Task<DateTime> WaitForLineAsync(string text, TimeSpan timeout, DateTime after = default)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            lock (_lines)
            {
                foreach (var (at, line) in _lines)
                {
                    if (at >= after && line.Contains(text, StringComparison.Ordinal))
                    {
                        return at;
                    }
                }
            }
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"no line with '{text}' within {timeout.TotalSeconds} s (exited: {_process.HasExited}); output:\n{Output}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Sends a signal with kill(1): KILL, STOP, CONT, TERM.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Add((DateTime.UtcNow, line));
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }
        _process.Dispose();
    }
}
