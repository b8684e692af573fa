using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Serilog;

namespace Aeg.Syslog;

/// <summary>Sends each syslog message as one UDP datagram (RFC 5426).</summary>
/// <remarks>
/// UDP has no delivery guarantee at all: a datagram handed to the kernel can be dropped anywhere.
/// When the receiver's port is closed, the kernel reports the ICMP "port unreachable" on a later
/// send; that send then fails with <see cref="SyslogSendException"/>, so the caller re-sends its
/// batch as it would on TCP. Messages longer than <see cref="SyslogOutputOptions.UdpMaxMessageSize"/>
/// are refused, never truncated. One caller at a time.
/// </remarks>
public sealed class UdpSyslogSender : ISyslogSender
{
    private readonly SyslogOutputOptions _options;
    private readonly ILogger? _log;
    private readonly ReconnectTracker _reconnects;
    private Socket? _socket;
    private bool _disposed;

    /// <summary>Creates the sender; the socket is opened on the first send.</summary>
    public UdpSyslogSender(SyslogOutputOptions options, ILogger? log = null)
        : this(options, log, TimeProvider.System)
    {
    }

    internal UdpSyslogSender(SyslogOutputOptions options, ILogger? log, TimeProvider time)
    {
        if (options.Protocol != SyslogProtocol.Udp)
            throw new ArgumentException("UdpSyslogSender needs protocol Udp", nameof(options));
        _options = options;
        _log = log?.ForContext<UdpSyslogSender>();
        Destination = SyslogDestination.Describe(options);
        _reconnects = new ReconnectTracker(options, Destination, Stats, _log, time);
    }

    /// <inheritdoc />
    public string Destination { get; }

    /// <inheritdoc />
    public SyslogSenderStats Stats { get; } = new();

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The message is empty or larger than
    /// <see cref="SyslogOutputOptions.UdpMaxMessageSize"/>; re-sending cannot help.</exception>
    /// <exception cref="SyslogSendException">The socket reported an error; re-send the batch.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (message.IsEmpty)
            throw new ArgumentException("syslog message is empty", nameof(message));
        if (message.Length > _options.UdpMaxMessageSize)
            throw new ArgumentException(
                $"syslog message of {message.Length} bytes exceeds udpMaxMessageSize ({_options.UdpMaxMessageSize}) for {Destination}; use TCP or shorten the message",
                nameof(message));

        try
        {
            var socket = _socket ?? await OpenAsync(cancellationToken);
            await socket.SendAsync(message, SocketFlags.None, cancellationToken);
            Stats.AddSent(1, message.Length);
        }
        catch (SocketException e)
        {
            _socket?.Dispose();
            _socket = null;
            throw _reconnects.Failed($"{e.SocketErrorCode}: {e.Message}", e);
        }
    }

    /// <summary>Nothing to do: every datagram is handed to the kernel by <see cref="SendAsync"/>.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return default;
    }

    /// <summary>Closes the socket.</summary>
    public ValueTask DisposeAsync()
    {
        _disposed = true;
        _socket?.Dispose();
        _socket = null;
        return default;
    }

    private async ValueTask<Socket> OpenAsync(CancellationToken cancellationToken)
    {
        await _reconnects.WaitAsync(cancellationToken);
        var socket = new Socket(SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Connecting a UDP socket resolves the host once and lets the kernel report ICMP errors.
            await socket.ConnectAsync(_options.Host, _options.Port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _reconnects.Connected();
        _socket = socket;
        _log?.Information("Syslog sending to {Destination}", Destination);
        return socket;
    }
}
