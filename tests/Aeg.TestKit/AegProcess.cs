using System.Diagnostics;
using System.Text;

namespace Aeg.TestKit;

/// <summary>The real aeg binary (<see cref="AegBinary"/>) as a child process, and the aeg.yaml it reads.</summary>
internal sealed class AegProcess : IDisposable
{
    public const string PasswordVariable = "AEG_FAULT_DB_PASSWORD";
    private readonly StringBuilder _output = new();

    private AegProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts aeg (<see cref="AegBinary"/>) with <paramref name="args"/>; with <paramref name="wrapper"/> (e.g. unshare …)
    /// that command runs first and gets the aeg command line appended.
    /// </summary>
    public static AegProcess Start(string[] args, string dbPassword, string[]? wrapper = null)
    {
        var command = new List<string>(wrapper ?? []);
        command.AddRange(AegBinary.Command);
        command.AddRange(args);
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment[PasswordVariable] = dbPassword;
        return new AegProcess(Process.Start(psi)!);
    }

    /// <summary>Runs aeg to completion (3 min at most) and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string[] args, string dbPassword, string[]? wrapper = null)
    {
        using var p = Start(args, dbPassword, wrapper);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await p.Process.WaitForExitAsync(timeout.Token);
        return (p.Process.ExitCode, p.Output);
    }

    /// <summary>Writes an aeg.yaml for <paramref name="db"/> and a TCP/LF syslog destination; <paramref name="extra"/> is appended as is.</summary>
    public static string WriteConfig(string path, AnnotationTestDatabase db, string stateDirectory, int syslogPort, int batchSize,
        string interval = "1s", string extra = "")
    {
        var o = db.Options;
        File.WriteAllText(path, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: {{PasswordVariable}}, sslMode: None }
            poller: { batchSize: {{batchSize}}, firstStart: beginning, interval: {{interval}}, retryMinDelay: 50ms, retryMaxDelay: 500ms }
            state: { directory: {{stateDirectory}} }
            syslog: { host: 127.0.0.1, port: {{syslogPort}}, protocol: tcp, framing: lf, reconnectMinDelay: 20ms, reconnectMaxDelay: 200ms, connectTimeout: 2s }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            hostName: aeg-fault.example.com
            {{extra}}
            """);
        return path;
    }

    /// <summary>SIGKILL: no shutdown code runs, like a power cut of the process.</summary>
    public void KillHard()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }
        Process.WaitForExit();
    }

    public void Dispose()
    {
        KillHard();
        Process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
