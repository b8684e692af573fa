using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aeg.IntegrationTests.Infrastructure;

namespace Aeg.IntegrationTests.Faults;

/// <summary>
/// A MariaDB or Request Tracker of one drill's own, started by scripts/services/&lt;kind&gt;-up.sh on a free
/// port with its own AEG_RUN_DIR, so a drill can stop it without touching the shared dev services.
/// </summary>
/// <remarks>
/// The up scripts wipe their data directory on start, so <see cref="RestartAsync"/> does not rerun
/// them: it starts the very command line (read from /proc before the stop) again on the same data.
/// </remarks>
internal sealed class OwnService : IAsyncDisposable
{
    private readonly string _kind;
    private readonly Dictionary<string, string> _restartEnvironment;
    private readonly Func<int, string[]>? _restartCommand;
    private string[]? _commandLine;

    private OwnService(string kind, string runDir, int port, Dictionary<string, string> exports, Dictionary<string, string> restartEnvironment,
        Func<int, string[]>? restartCommand)
    {
        _restartCommand = restartCommand;
        _kind = kind;
        RunDir = runDir;
        Port = port;
        Exports = exports;
        _restartEnvironment = restartEnvironment;
    }

    /// <summary>The run directory (data, logs, pid file); deleted on dispose.</summary>
    public string RunDir { get; }

    public int Port { get; }

    /// <summary>What the up script exported, e.g. AEG_TEST_MYSQL or AEG_TEST_RT_URL.</summary>
    public IReadOnlyDictionary<string, string> Exports { get; }

    private string ServiceDir => Path.Combine(RunDir, _kind);
    private string PidFile => Path.Combine(ServiceDir, "pid");

    /// <summary>A MariaDB with an aeg_admin/aeg-test account; <c>Exports["AEG_TEST_MYSQL"]</c> is its admin connection string.</summary>
    public static Task<OwnService> StartMariaDbAsync() => StartAsync("mariadb", "AEG_TEST_MYSQL_PORT", [], null);

    /// <summary>A Request Tracker with queue SOC and API user cefbot (see rt-up.sh).</summary>
    /// <remarks>The restart runs rt-server as rt-up.sh does: the server renames its processes, so /proc shows no usable command line.</remarks>
    public static Task<OwnService> StartRtAsync()
    {
        var runDir = NewRunDir("rt");
        return StartAsync("rt", "AEG_TEST_RT_PORT", new()
        {
            ["RT_SITE_CONFIG"] = Path.Combine(runDir, "rt", "RT_SiteConfig.pm"),
            ["RT_SITE_CONFIG_DIR"] = Path.Combine(runDir, "rt", "etc"),
        }, port => ["/usr/share/request-tracker5/libexec/rt-server", "--host", "127.0.0.1", "--port", port.ToString(), "--max-workers", "2"], runDir);
    }

    private static string NewRunDir(string kind) => Path.Combine(Path.GetTempPath(), $"aeg-fault-{kind}-" + Guid.NewGuid().ToString("N")[..8]);

    private static async Task<OwnService> StartAsync(string kind, string portVariable, Dictionary<string, string> restartEnvironment,
        Func<int, string[]>? restartCommand, string? runDir = null)
    {
        runDir ??= NewRunDir(kind);
        var port = FreePorts.Tcp();
        var (exit, output) = await RunScriptAsync(kind + "-up.sh", runDir, (portVariable, port.ToString()));
        var service = new OwnService(kind, runDir, port, ReadExports(Path.Combine(runDir, kind + ".env")), restartEnvironment, restartCommand);
        if (exit != 0)
        {
            await service.DisposeAsync();
            throw new InvalidOperationException($"{kind}-up.sh failed with exit {exit}: {output}");
        }
        return service;
    }

    /// <summary>True while something accepts TCP connections on the port.</summary>
    public bool Listening()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Stops the server the way an operator would (SIGTERM to its process group, via the down script).</summary>
    public async Task StopAsync()
    {
        var pid = int.Parse(File.ReadAllText(PidFile).Trim());
        _commandLine = _restartCommand?.Invoke(Port) ?? File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var (exit, output) = await RunScriptAsync(_kind + "-down.sh", RunDir);
        if (exit != 0 || Listening())
        {
            throw new InvalidOperationException($"{_kind}-down.sh did not stop the server (exit {exit}): {output}");
        }
    }

    /// <summary>Starts the stopped server again on its data, detached like the up script does; returns when the port accepts connections.</summary>
    public async Task RestartAsync(TimeSpan timeout)
    {
        var argv = _commandLine ?? throw new InvalidOperationException("not stopped");
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("""set -euo pipefail; . "$0"; aeg_spawn_detached "$1" "$2" "${@:3}" """);
        psi.ArgumentList.Add(TestServices.RepoFile("scripts/services/lib.sh"));
        psi.ArgumentList.Add(PidFile);
        psi.ArgumentList.Add(Path.Combine(ServiceDir, "restart.log"));
        foreach (var a in argv)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["AEG_RUN_DIR"] = RunDir;
        foreach (var (k, v) in _restartEnvironment)
        {
            psi.Environment[k] = v;
        }
        var (exit, output) = await RunAsync(psi, TimeSpan.FromSeconds(30));
        if (exit != 0)
        {
            throw new InvalidOperationException($"restart of {_kind} failed (exit {exit}): {output}");
        }
        await WaitUntil.HoldsAsync(Listening, $"{_kind} to listen again on port {Port}", timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await RunScriptAsync(_kind + "-down.sh", RunDir);
        try
        {
            Directory.Delete(RunDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying server: the OS temp cleaner will take it.
        }
    }

    private static async Task<(int Exit, string Output)> RunScriptAsync(string script, string runDir, params (string Name, string Value)[] environment)
    {
        var psi = new ProcessStartInfo(TestServices.RepoFile("scripts/services/" + script))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["AEG_RUN_DIR"] = runDir;
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }
        return await RunAsync(psi, TimeSpan.FromMinutes(5));
    }

    internal static async Task<(int Exit, string Output)> RunAsync(ProcessStartInfo psi, TimeSpan timeout)
    {
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cancel.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    private static Dictionary<string, string> ReadExports(string envFile)
    {
        var exports = new Dictionary<string, string>();
        if (!File.Exists(envFile))
        {
            return exports;
        }
        foreach (var line in File.ReadAllLines(envFile))
        {
            if (line.StartsWith("export ", StringComparison.Ordinal) && line.IndexOf('=') is var eq and > 0)
            {
                exports[line[7..eq]] = line[(eq + 1)..].Trim('\'');
            }
        }
        return exports;
    }
}
