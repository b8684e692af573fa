using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Aeg.Cef;
using Serilog;

namespace Aeg.Listener;

/// <summary>
/// Syslog over TCP or TLS (RFC 5425): an accept loop on a raw socket, and per connection a
/// <see cref="PipeReader"/> over the network (or TLS) stream whose frames go to the handler.
/// </summary>
public sealed class TcpSyslogListener : SyslogListener
{
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);

    private readonly ICefMessageHandler _handler;
    private readonly SenderRegistry _senders;
    private readonly SenderAllowList _allow;
    private readonly SslServerAuthenticationOptions? _tls;
    private readonly ILogger? _log;
    private readonly Lock _gate = new();
    private readonly HashSet<Connection> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private Socket? _socket;
    private Task? _acceptLoop;
    private volatile bool _stopping;
    private long _lastRefusalLog = long.MinValue;

    /// <summary>Creates the listener; <see cref="Start"/> binds it.</summary>
    public TcpSyslogListener(ListenerOptions options, ICefMessageHandler handler, SenderRegistry senders, ILogger? log = null)
        : base(options, log)
    {
        _handler = handler;
        _senders = senders;
        _log = log;
        _allow = new SenderAllowList(options.Allow);
        _tls = options.Protocol == Syslog.SyslogProtocol.Tls ? ListenerTls.CreateServerOptions(options) : null;
    }

    /// <inheritdoc/>
    public override void Start()
    {
        var socket = ListenerSockets.Bind(Options, SocketType.Stream, ProtocolType.Tcp);
        socket.Listen(512);
        _socket = socket;
        LocalEndPoint = (IPEndPoint?)socket.LocalEndPoint;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        var socket = _socket!;
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException && _stopping)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A connection that died in the backlog; the listening socket itself is fine.
                _log?.Debug("Listener {Listener}: accept failed: {Error}", Options.Name, ex.SocketErrorCode);
                continue;
            }

            IPAddress remote;
            try
            {
                remote = SenderRegistry.Normalize(((IPEndPoint)client.RemoteEndPoint!).Address);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or NullReferenceException)
            {
                // Reset before we looked at it: nothing was received, nothing to count.
                client.Dispose();
                continue;
            }
            if (!_allow.IsAllowed(remote))
            {
                Refuse(client, remote, "not on the allow-list");
                continue;
            }

            if (Counters.ConnectionsActive >= Options.MaxConnections)
            {
                Refuse(client, remote, $"maxConnections ({Options.MaxConnections}) reached");
                continue;
            }

            var connection = new Connection(client, _senders.Get(remote));
            Counters.ConnectionAccepted();
            if (Limits.DebugEnabled)
            {
                connection.Peer = client.RemoteEndPoint?.ToString() ?? remote.ToString();
                Limits.Debug("connection from {Peer} accepted ({Open} open)", connection.Peer, Counters.ConnectionsActive);
            }

            lock (_gate)
            {
                // Inside the lock, so that StopAsync never sees a connection without its task.
                _connections.Add(connection);
                connection.Task = Task.Run(() => RunConnectionAsync(connection));
            }
        }
    }

    private void Refuse(Socket client, IPAddress remote, string reason)
    {
        Counters.ConnectionRefused();
        client.Dispose();
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastRefusalLog);
        if (now - last >= RefusalLogInterval.TotalMilliseconds && Interlocked.CompareExchange(ref _lastRefusalLog, now, last) == last)
        {
            _log?.Warning("Listener {Listener}: refused a connection from {Sender}: {Reason} (further refusals within 10 s are only counted)", Options.Name, remote, reason);
        }
    }

    private async Task RunConnectionAsync(Connection connection)
    {
        Stream stream = new NetworkStream(connection.Socket, ownsSocket: true);
        try
        {
            if (_tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                try
                {
                    using var timeout = new CancellationTokenSource(Options.TlsHandshakeTimeout);
                    await ssl.AuthenticateAsServerAsync(_tls, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or SocketException)
                {
                    Counters.TlsHandshakeFailed();
                    _log?.Warning("Listener {Listener}: TLS handshake with {Sender} failed: {Error}", Options.Name, connection.Sender.Address, ex.Message);
                    return;
                }
            }

            var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
            connection.Pipe = pipe;
            if (_stopping)
            {
                pipe.CancelPendingRead();
            }

            var bucket = Limits.BucketOf(connection.Sender);
            using var dispatcher = new FrameDispatcher(new SyslogFrameReader(Options.MaxFrameSize), _handler, connection.Sender, Counters, _log, Options.Name, Limits, bucket);
            connection.Dispatcher = dispatcher;
            if (bucket is not null)
            {
                connection.Throttle = new ConnectionThrottle(bucket, Limits, Counters, connection.Sender, connection.Peer ?? connection.Sender.Address);
            }

            await ReadFramesAsync(connection, pipe, dispatcher).ConfigureAwait(false);
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _log?.Debug("Listener {Listener}: connection from {Sender} ended: {Error}", Options.Name, connection.Sender.Address, ex.Message);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            Counters.ConnectionClosed();
            connection.Throttle?.Closed();
            if (Limits.DebugEnabled)
            {
                Limits.Debug("connection from {Peer} closed after {Seconds:F1} s: {Frames} frames, {Bytes} bytes, {PausedMs} ms paused over the rate ({Open} open)",
                    connection.Peer, (Environment.TickCount64 - connection.OpenedAt) / 1000.0, connection.Dispatcher?.TotalFrames ?? 0, connection.Bytes,
                    connection.Throttle?.PausedMilliseconds ?? 0, Counters.ConnectionsActive);
            }

            lock (_gate)
            {
                _connections.Remove(connection);
            }
        }
    }

    private async Task ReadFramesAsync(Connection connection, PipeReader pipe, FrameDispatcher dispatcher)
    {
        long seen = 0;
        while (true)
        {
            var result = await pipe.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            Counters.AddBytes(buffer.Length - seen);
            connection.Bytes += buffer.Length - seen;
            if (dispatcher.Dispatch(ref buffer))
            {
                buffer = await ThrottleAsync(connection, dispatcher, buffer).ConfigureAwait(false);
            }
            else
            {
                connection.Throttle?.Settled();
            }

            seen = buffer.Length;

            if (result.IsCompleted)
            {
                dispatcher.Complete(buffer);
                return;
            }

            if (_stopping && (result.IsCanceled || !HasUnreadData(connection) || Environment.TickCount64 >= connection.DrainUntil))
            {
                if (!buffer.IsEmpty)
                {
                    Counters.FrameTruncated();
                }

                return;
            }

            pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    // The sender is over its rate, or the ticket queue behind the handler is full: this connection is
    // not read until its bucket refills or the queue has room, so the sender's next bytes wait in the
    // kernel and then in the sender itself. Frames already read wait in the buffer; what is left of it
    // is returned.
    private async ValueTask<ReadOnlySequence<byte>> ThrottleAsync(Connection connection, FrameDispatcher dispatcher, ReadOnlySequence<byte> buffer)
    {
        do
        {
            if (_stopping || !await PauseAsync(connection, dispatcher).ConfigureAwait(false))
            {
                // Stopping: what was sent is drained without the limit (bounded by stopDrainTimeout).
                dispatcher.RemoveLimit();
            }
        }
        while (dispatcher.Dispatch(ref buffer));
        return buffer;
    }

    private async ValueTask<bool> PauseAsync(Connection connection, FrameDispatcher dispatcher)
    {
        if (!dispatcher.StoppedForHandler)
        {
            return await connection.Throttle!.PauseAsync(_stop.Token).ConfigureAwait(false);
        }
        Counters.HandlerPause();
        try
        {
            await _handler.WaitUntilReadyAsync(_stop.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return false;
        }
    }

    private static bool HasUnreadData(Connection connection)
    {
        try
        {
            return connection.Socket.Available > 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public override async Task StopAsync(TimeSpan drainTimeout)
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Connection[] connections;
        lock (_gate)
        {
            connections = [.. _connections];
        }

        var drainUntil = Environment.TickCount64 + (long)drainTimeout.TotalMilliseconds;
        foreach (var connection in connections)
        {
            connection.DrainUntil = drainUntil;
            // Wakes a read that waits for data; one that has data finishes it and then sees _stopping.
            if (!HasUnreadData(connection))
            {
                connection.Pipe?.CancelPendingRead();
            }
        }

        var all = Task.WhenAll(connections.Select(c => c.Task ?? Task.CompletedTask));
        if (await Task.WhenAny(all, Task.Delay(drainTimeout + TimeSpan.FromSeconds(1))).ConfigureAwait(false) != all)
        {
            // A connection stuck in a TLS handshake or a write-blocked peer: cut it off.
            foreach (var connection in connections)
            {
                connection.Socket.Dispose();
            }

            await all.ConfigureAwait(false);
        }

        Limits.Dispose();
        _stop.Dispose();
    }

    private sealed class Connection(Socket socket, SenderCounters sender)
    {
        public Socket Socket { get; } = socket;
        public SenderCounters Sender { get; } = sender;
        public PipeReader? Pipe { get; set; }
        public Task? Task { get; set; }
        public long DrainUntil { get; set; } = long.MaxValue;
        public FrameDispatcher? Dispatcher { get; set; }
        public ConnectionThrottle? Throttle { get; set; }
        /// <summary>The remote address and port, for DBG lines (set only under --debug).</summary>
        public string? Peer { get; set; }
        public long Bytes { get; set; }
        public long OpenedAt { get; } = Environment.TickCount64;
    }
}
