using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Aeg.IntegrationTests.Faults;

/// <summary>
/// A syslog receiver for TCP with LF framing, in this process: it notes when each line arrived
/// (a <see cref="Stopwatch"/> timestamp, to compare with the test's own), and it can be closed
/// and opened again on the same port, as when a SmartConnector restarts.
/// </summary>
internal sealed class TimedLineSink : IAsyncDisposable
{
    private readonly List<(long At, string Line)> _lines = [];
    private readonly List<TcpClient> _clients = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task _accepting = Task.CompletedTask;

    private TimedLineSink()
    {
    }

    public int Port { get; private set; }

    /// <summary>Listens on a free loopback port.</summary>
    public static TimedLineSink Start()
    {
        var sink = new TimedLineSink();
        sink.Open();
        return sink;
    }

    /// <summary>Every line so far with its arrival, in arrival order.</summary>
    public IReadOnlyList<(long At, string Line)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>When the first event with CEF <c>cn2</c> (event id) = <paramref name="eventId"/> arrived; null until it did.</summary>
    public long? ArrivalOf(long eventId) =>
        Lines.Where(l => ParsedCef.Parse(l.Line)["cn2"] == eventId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(l => (long?)l.At).FirstOrDefault();

    /// <summary>Closes the port and every connection (an orderly close); connects are refused until <see cref="Open"/>.</summary>
    public async Task CloseAsync()
    {
        if (_stop is null)
        {
            return;
        }
        await _stop.CancelAsync();
        _listener!.Stop();
        await _accepting;
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
            _clients.Clear();
        }
        _stop.Dispose();
        _stop = null;
    }

    /// <summary>Listens again, on the port of the first start when there was one.</summary>
    public void Open()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _stop = new CancellationTokenSource();
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_clients)
            {
                _clients.Add(client);
            }
            _ = ReadAsync(client, stop);
        }
    }

    private async Task ReadAsync(TcpClient client, CancellationToken stop)
    {
        try
        {
            using var reader = new StreamReader(client.GetStream(), Encoding.UTF8);
            while (await reader.ReadLineAsync(stop) is { } line)
            {
                var at = Stopwatch.GetTimestamp();
                lock (_lines)
                {
                    _lines.Add((at, line));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closed by CloseAsync or by the sender.
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync();
}
