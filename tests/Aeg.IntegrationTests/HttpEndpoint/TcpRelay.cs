using System.Net;
using System.Net.Sockets;

namespace Aeg.IntegrationTests.HttpEndpoint;

/// <summary>
/// Forwards TCP connections from a loopback port to a target, so a test can make a real service
/// appear on a port that was closed a moment ago (without stopping the shared service).
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<TcpClient> _clients = [];

    private TcpRelay(int port, string targetHost, int targetPort)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync(targetHost, targetPort);
    }

    public static TcpRelay Start(int port, string targetHost, int targetPort) => new(port, targetHost, targetPort);

    private async Task AcceptAsync(string targetHost, int targetPort)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var outbound = new TcpClient();
            await outbound.ConnectAsync(targetHost, targetPort, _stop.Token);
            lock (_clients)
            {
                _clients.Add(inbound);
                _clients.Add(outbound);
            }
            _ = Pump(inbound, outbound);
            _ = Pump(outbound, inbound);
        }
    }

    private async Task Pump(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), _stop.Token);
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The other side went away; the test is over or the connection was closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }
        _stop.Dispose();
    }
}
