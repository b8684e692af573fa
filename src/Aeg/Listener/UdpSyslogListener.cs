using System.Net;
using System.Net.Sockets;
using Serilog;

namespace Aeg.Listener;

/// <summary>
/// Syslog over UDP: one datagram is one frame. One receive loop with a reused buffer and the
/// allocation-free <see cref="Socket.ReceiveFromAsync(Memory{byte}, SocketFlags, SocketAddress, CancellationToken)"/>.
/// </summary>
public sealed class UdpSyslogListener : SyslogListener
{
    private const int DatagramBufferSize = 64 * 1024;

    private readonly ICefMessageHandler _handler;
    private readonly UdpSenderCache _senderCache;
    private readonly ILogger? _log;
    private Socket? _socket;
    private Task? _receiveLoop;
    private volatile bool _stopping;
    private bool _handlerErrorLogged;

    /// <summary>Creates the listener; <see cref="Start"/> binds it.</summary>
    public UdpSyslogListener(ListenerOptions options, ICefMessageHandler handler, SenderRegistry senders, ILogger? log = null)
        : base(options, log)
    {
        _handler = handler;
        _log = log;
        _senderCache = new UdpSenderCache(senders, new SenderAllowList(options.Allow));
    }

    /// <inheritdoc/>
    public override void Start()
    {
        _socket = ListenerSockets.Bind(Options, SocketType.Dgram, ProtocolType.Udp);
        LocalEndPoint = (IPEndPoint?)_socket.LocalEndPoint;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    private async Task ReceiveLoopAsync()
    {
        var socket = _socket!;
        var buffer = GC.AllocateUninitializedArray<byte>(DatagramBufferSize, pinned: true);
        var source = new SocketAddress(socket.AddressFamily);
        while (true)
        {
            int length;
            try
            {
                length = await socket.ReceiveFromAsync(buffer, SocketFlags.None, source).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException && _stopping)
            {
                return;
            }
            catch (SocketException ex)
            {
                // E.g. an ICMP error for an earlier datagram reported on this socket; receiving goes on.
                _log?.Debug("Listener {Listener}: receive failed: {Error}", Options.Name, ex.SocketErrorCode);
                continue;
            }

            Handle(buffer.AsSpan(0, length), source);
            if (_stopping && socket.Available == 0)
            {
                return;
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        var sender = _senderCache.Lookup(source);
        if (sender is null)
        {
            Counters.DatagramRefused();
            return;
        }

        Counters.AddBytes(datagram.Length);
        // Many senders end a datagram with LF (or CRLF, or NUL) as if it were a stream.
        var end = datagram.Length;
        while (end > 0 && datagram[end - 1] is (byte)'\n' or (byte)'\r' or 0)
        {
            end--;
        }

        if (end == 0)
        {
            return;
        }

        if (end > Options.MaxFrameSize)
        {
            Counters.FrameOversized();
            sender.CountOversized();
            Limits.WarnOversized(sender);
            return;
        }

        Counters.AddFrames(1);
        sender.CountReceived();
        if (!Limits.TryAdmit(sender))
        {
            return;
        }

        try
        {
            _handler.Handle(datagram[..end], sender);
        }
        catch (Exception ex)
        {
            Counters.HandlerError();
            if (!_handlerErrorLogged)
            {
                _handlerErrorLogged = true;
                _log?.Error(ex, "Listener {Listener}: the message handler failed on a datagram from {Sender}; further failures are only counted", Options.Name, sender.Address);
            }
        }
    }

    /// <inheritdoc/>
    public override async Task StopAsync(TimeSpan drainTimeout)
    {
        if (_stopping || _socket is null)
        {
            return;
        }

        _stopping = true;
        // Datagrams already queued in the kernel are handled first (bounded by the drain timeout).
        var until = Environment.TickCount64 + (long)drainTimeout.TotalMilliseconds;
        while (!_receiveLoop!.IsCompleted && _socket.Available > 0 && Environment.TickCount64 < until)
        {
            await Task.WhenAny(_receiveLoop, Task.Delay(10)).ConfigureAwait(false);
        }

        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(false);
        Limits.Dispose();
    }
}
