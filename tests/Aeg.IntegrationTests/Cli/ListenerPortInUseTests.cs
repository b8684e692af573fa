using System.Net;
using System.Net.Sockets;

namespace Aeg.IntegrationTests.Cli;

/// <summary>
/// A listener port another process already holds: <c>aeg listen</c> and <c>aeg run</c> (the real
/// executable) exit with 2, the code docs/commands.md gives for an error of configuration or
/// environment, and say in one line which listener and why.
/// </summary>
public sealed class ListenerPortInUseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-port-in-use-").FullName;
    private readonly Socket _holder = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ListenerPortInUseTests()
    {
        _holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _holder.Listen();
    }

    public void Dispose()
    {
        _holder.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("run")]
    public async Task ExitsWithTwoAndNamesTheListener(string command)
    {
        var port = ((IPEndPoint)_holder.LocalEndPoint!).Port;
        var config = Path.Combine(_dir, "aeg.yaml");
        // The database port is closed: `run` must stop at the listener, whatever the database does.
        File.WriteAllText(config, $$"""
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            database:
              host: 127.0.0.1
              port: {{FreePorts.Tcp()}}
            state:
              directory: {{Path.Combine(_dir, "state")}}
            listen:
              listeners:
                - { protocol: tcp, address: 127.0.0.1, port: {{port}} }
            """);

        var (exit, stdout, stderr) = await AegProcess.RunAsync([command, "--config", config]);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        var errors = stderr.Split('\n').Where(l => l.Contains("[ERR] ", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        Assert.EndsWith($"Listener tcp/127.0.0.1:{port} cannot bind: Address already in use", error.TrimEnd());
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
