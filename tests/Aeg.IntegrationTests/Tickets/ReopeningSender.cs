using System.Net.Sockets;
using System.Text;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>
/// A CEF sender as a forwarder behaves behind a balancer: RFC 6587 octet-counted frames over one TCP connection,
/// reopened (through the balancer, which then picks a live backend) when the peer closes it or a write fails.
/// It remembers which events went over which connection, so a test can tell events a killed instance may have
/// swallowed (written to a connection that later closed) from events that must arrive (written to one still open).
/// </summary>
internal sealed class ReopeningSender(int port) : IAsyncDisposable
{
    /// <summary>One TCP connection and the events (job numbers) written to it.</summary>
    public sealed class Connection(TcpClient client)
    {
        public TcpClient Client { get; } = client;
        public List<long> Jobs { get; } = [];

        /// <summary>Completes when the peer closes the connection (aeg never writes to it, so any read result is the end).</summary>
        public Task Closed { get; } = WatchAsync(client);

        public bool IsClosed => Closed.IsCompleted;

        private static async Task WatchAsync(TcpClient client)
        {
            try
            {
                var buffer = new byte[64];
                while (await client.GetStream().ReadAsync(buffer) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
            }
        }
    }

    private readonly Lock _lock = new();
    private readonly List<Connection> _connections = [];
    private Connection? _current;

    /// <summary>Every connection opened so far, the current one last.</summary>
    public IReadOnlyList<Connection> Connections
    {
        get
        {
            lock (_lock)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>Writes one event (framed) and records it against the connection it went to; reopens first when that connection is closed.</summary>
    public async Task SendAsync(long job, string cef)
    {
        var payload = Encoding.UTF8.GetBytes(cef);
        var frame = Encoding.ASCII.GetBytes($"{payload.Length} ").Concat(payload).ToArray();
        for (var attempt = 1; ; attempt++)
        {
            var connection = _current is { IsClosed: false } open ? open : await ReopenAsync();
            lock (_lock)
            {
                connection.Jobs.Add(job);   // recorded before the write: a failed write may still have delivered bytes
            }
            try
            {
                await connection.Client.GetStream().WriteAsync(frame);
                return;
            }
            catch (Exception ex) when (ex is IOException or SocketException && attempt < 50)
            {
                // The connection broke under the write (its backend died): the event may or may not have arrived,
                // it is accounted to the broken connection, and it is written again on a new one.
                connection.Client.Dispose();
            }
        }
    }

    private async Task<Connection> ReopenAsync()
    {
        _current?.Client.Dispose();
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        var connection = new Connection(client);
        lock (_lock)
        {
            _connections.Add(connection);
        }
        _current = connection;
        return connection;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var c in Connections)
        {
            c.Client.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
