using System.Net.Sockets;
using System.Text;

namespace Aeg.IntegrationTests.Packaging;

/// <summary>
/// The real aeg under a NOTIFY_SOCKET this test binds, as systemd binds one for a Type=notify unit:
/// READY=1 once the listener is up, WATCHDOG=1 while it runs (WATCHDOG_USEC), STOPPING=1 on SIGTERM.
/// </summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Aeg_listen_says_ready_pings_the_watchdog_and_says_stopping()
    {
        var socketPath = Path.Combine(_dir, "notify");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var port = FreePorts.Tcp();
        var config = Path.Combine(_dir, "aeg.yaml");
        File.WriteAllText(config, $$"""
            state:
              directory: {{Path.Combine(_dir, "state")}}
            listen:
              listeners:
                - { protocol: tcp, address: 127.0.0.1, port: {{port}} }
            """);

        using var aeg = AegProcess.Start(["listen", "--config", config], new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = socketPath,
            ["WATCHDOG_USEC"] = "200000",
        });
        var ready = await ReceiveAsync(socket, aeg);
        // READY=1 comes after the listener is bound: a connection succeeds at once.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", port);
        }
        var pings = new[] { await ReceiveAsync(socket, aeg), await ReceiveAsync(socket, aeg) };
        await aeg.SignalAsync("TERM");
        var afterTerm = new List<string>();
        while (!afterTerm.Contains("STOPPING=1"))
        {
            afterTerm.Add(await ReceiveAsync(socket, aeg));
        }
        var exit = await aeg.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("READY=1", ready);
        Assert.Equal(["WATCHDOG=1", "WATCHDOG=1"], pings);
        Assert.All(afterTerm, s => Assert.True(s is "WATCHDOG=1" or "STOPPING=1", s));
        Assert.Equal(0, exit);
    }

    private static async Task<string> ReceiveAsync(Socket socket, AegProcess aeg)
    {
        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, n).Trim();
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"no notification within 60 s; aeg exited: {aeg.HasExited}; output:\n{aeg.Output}");
        }
    }
}
