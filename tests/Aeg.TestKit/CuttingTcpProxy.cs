using System.Net;
using System.Net.Sockets;

namespace Aeg.TestKit;

/// <summary>
/// A loopback relay to a TCP server that resets every relayed connection once, after a given number
/// of bytes came back from the server, and relays faithfully before and after: a connection lost in
/// the middle of a result. (A KILL on the server is no substitute: it may land between two queries,
/// where the pool's reconnect absorbs it, and MariaDB may even finish a query it was told to kill.)
/// <see cref="Down"/> and <see cref="Up"/> make an outage of the server for whoever connects
/// through the relay, without stopping the server for anyone else.
/// </summary>
internal sealed class CuttingTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly long _cutAfterServerBytes;
    private readonly List<(Socket Client, Socket Server)> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _serverBytes;
    private int _cuts;
    private volatile bool _down;

    public CuttingTcpProxy(string targetHost, int targetPort, long cutAfterServerBytes)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _cutAfterServerBytes = cutAfterServerBytes;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The loopback port to connect to instead of the server's.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections the cut reset (0 until it happened).</summary>
    public int ConnectionsCut { get; private set; }

    /// <summary>Connections attempted (and reset at once) while the relay was down.</summary>
    public int Refused { get; private set; }

    /// <summary>Resets every relayed connection and, until <see cref="Up"/>, every new one: the server seems gone.</summary>
    public void Down()
    {
        _down = true;
        CutAll();
    }

    /// <summary>Relays new connections again.</summary>
    public void Up() => _down = false;

    /// <summary>A relay that never cuts by itself; outages come from <see cref="Down"/>.</summary>
    public static CuttingTcpProxy Switchable(string targetHost, int targetPort) => new(targetHost, targetPort, long.MaxValue);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_down)
            {
                Refused++;
                Reset(client);
                continue;
            }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }
            lock (_open)
            {
                _open.Add((client, server));
            }
            _ = RelayAsync(client, server, fromServer: false);
            _ = RelayAsync(server, client, fromServer: true);
        }
    }

    private async Task RelayAsync(Socket from, Socket to, bool fromServer)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                if (fromServer && Interlocked.Add(ref _serverBytes, n) >= _cutAfterServerBytes && Interlocked.Exchange(ref _cuts, 1) == 0)
                {
                    CutAll();
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The other side went, or the cut closed this pair: nothing left to relay.
        }
    }

    private void CutAll()
    {
        lock (_open)
        {
            foreach (var (client, server) in _open)
            {
                Reset(client);
                server.Dispose();
            }
            ConnectionsCut += _open.Count;
            _open.Clear();
        }
    }

    // Linger 0: the client sees a reset at once, as when a firewall or the server drops it.
    private static void Reset(Socket client)
    {
        client.LingerState = new LingerOption(true, 0);
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_open)
        {
            foreach (var (client, server) in _open)
            {
                client.Dispose();
                server.Dispose();
            }
            _open.Clear();
        }
        _stop.Dispose();
    }
}
