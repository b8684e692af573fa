using System.Diagnostics;

namespace Aeg.TestKit;

/// <summary>
/// A real HAProxy (Debian's package) in TCP mode, started through scripts/services/haproxy-up.sh with a run
/// directory of its own (so it needs no global state and tests can run side by side) and stopped through
/// haproxy-down.sh: roundrobin over loopback backends, each health-checked every 500 ms.
/// </summary>
internal sealed class HaproxyBalancer : IAsyncDisposable
{
    private readonly string _runDir;

    private HaproxyBalancer(string runDir, int port)
    {
        _runDir = runDir;
        Port = port;
    }

    /// <summary>Where senders connect: 127.0.0.1 and this port.</summary>
    public int Port { get; }

    /// <summary>Starts HAProxy on <c>AEG_TEST_HAPROXY_PORT</c> when set (a helper's own port), else on a free port.</summary>
    public static async Task<HaproxyBalancer> StartAsync(IEnumerable<int> backendPorts)
    {
        var port = int.TryParse(Environment.GetEnvironmentVariable("AEG_TEST_HAPROXY_PORT"), out var p) ? p : FreePorts.Tcp();
        var runDir = Directory.CreateTempSubdirectory("aeg-haproxy-").FullName;
        var balancer = new HaproxyBalancer(runDir, port);
        var (exit, output) = await balancer.ScriptAsync("haproxy-up.sh", new Dictionary<string, string>
        {
            ["AEG_TEST_HAPROXY_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AEG_HAPROXY_BACKENDS"] = string.Join(' ', backendPorts.Select(b => $"127.0.0.1:{b}")),
        });
        if (exit != 0)
        {
            Directory.Delete(runDir, recursive: true);
            throw new InvalidOperationException($"haproxy-up.sh failed ({exit}): {output}");
        }
        return balancer;
    }

    /// <summary>HAProxy's own log (health check transitions: "Server aeg/aeg2 is DOWN").</summary>
    public string Log => File.Exists(Path.Combine(_runDir, "haproxy", "haproxy.log")) ? File.ReadAllText(Path.Combine(_runDir, "haproxy", "haproxy.log")) : "";

    public async ValueTask DisposeAsync()
    {
        await ScriptAsync("haproxy-down.sh", []);
        try
        {
            Directory.Delete(_runDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<(int Exit, string Output)> ScriptAsync(string script, Dictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("bash", [TestServices.RepoFile($"scripts/services/{script}")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["AEG_RUN_DIR"] = _runDir;
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
