using System.Globalization;
using System.Net.Security;
using System.Runtime.CompilerServices;
using Aeg.Logging;
using Serilog;
using Serilog.Events;

namespace Aeg.Syslog;

/// <summary>Sends syslog messages over TCP or TLS (RFC 5425) with RFC 6587 octet-counting or LF framing.</summary>
/// <remarks>
/// <para>
/// Messages are framed into one reusable 64 KiB buffer and written to the socket when it is full
/// or on <see cref="FlushAsync"/>, so a steady stream costs no allocation per message and few
/// system calls. One caller at a time: the poller sends and flushes from one task.
/// </para>
/// <para>
/// Delivery is at-least-once, and only together with the caller. The connection is opened on
/// the first send. Any connect, handshake or write error closes it and surfaces as
/// <see cref="SyslogSendException"/>; the next call waits out an exponential backoff with jitter
/// (between <see cref="SyslogOutputOptions.ReconnectMinDelay"/> and
/// <see cref="SyslogOutputOptions.ReconnectMaxDelay"/>) and reconnects. Messages buffered or written
/// since the last successful <see cref="FlushAsync"/> are then in an unknown state, so after any
/// failure the caller must re-send its whole batch (the receiver may see some messages twice;
/// (event_id, version) lets it dedupe).
/// </para>
/// <para>
/// What <see cref="FlushAsync"/> promises: everything sent is in the kernel's send buffer. TCP has no
/// application-level acknowledgement, so this is not proof the receiver got it: a peer that died
/// is often noticed only on a later write. To narrow that window the sender watches for the
/// receiver closing the connection (a pending read that sees FIN or a reset) and fails the next
/// send or flush when messages were written since the last flush (a connection closed while idle
/// is silently replaced: nothing of the current batch was on it), and on Linux sets <c>TCP_USER_TIMEOUT</c> to
/// <see cref="SyslogOutputOptions.DeadPeerTimeout"/> so data that stays unacknowledged turns into
/// an error instead of hanging.
/// </para>
/// </remarks>
public sealed class TcpSyslogSender : ISyslogSender
{
    private const int BufferSize = 64 * 1024;

    private readonly SyslogOutputOptions _options;
    private readonly SslClientAuthenticationOptions? _tls;
    private readonly ILogger? _log;
    private readonly ReconnectTracker _reconnects;
    private readonly bool _octetCounting;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
    private int _buffered;
    private int _bufferedMessages;
    private long _writtenSinceFlush;
    private long _bytesSinceFlush;
    private SyslogConnection? _connection;
    private bool _disposed;

    /// <summary>Creates the sender; nothing is connected until the first send.</summary>
    /// <exception cref="InvalidOperationException">A TLS file cannot be read.</exception>
    public TcpSyslogSender(SyslogOutputOptions options, ILogger? log = null)
        : this(options, log, TimeProvider.System)
    {
    }

    internal TcpSyslogSender(SyslogOutputOptions options, ILogger? log, TimeProvider time)
    {
        if (options.Protocol == SyslogProtocol.Udp)
            throw new ArgumentException("TcpSyslogSender needs protocol Tcp or Tls", nameof(options));
        _options = options;
        _log = log?.ForContext<TcpSyslogSender>();
        _octetCounting = options.Framing == SyslogFraming.OctetCounting;
        Destination = SyslogDestination.Describe(options);
        _reconnects = new ReconnectTracker(options, Destination, Stats, _log, time);
        if (options.Protocol == SyslogProtocol.Tls)
        {
            _tls = SyslogTlsClientOptions.Create(options);
            if (options.TlsInsecureSkipVerify)
                _log?.Warning("Syslog {Destination}: TLS server certificate verification is DISABLED (tlsInsecureSkipVerify); anyone on the path can read and alter the events", Destination);
        }
    }

    /// <inheritdoc />
    public string Destination { get; }

    /// <inheritdoc />
    public SyslogSenderStats Stats { get; } = new();

    /// <summary>True while a connection is open and the receiver has not been seen closing it.</summary>
    public bool IsConnected => _connection is { PeerClosed: false };

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The message is empty, or contains LF while framing is LF
    /// (it would split into two messages at the receiver); re-sending cannot help.</exception>
    /// <exception cref="SyslogSendException">Connecting or writing failed; re-send the batch.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var span = message.Span;
        if (span.IsEmpty)
            throw new ArgumentException("syslog message is empty", nameof(message));
        if (!_octetCounting && span.Contains((byte)'\n'))
            throw new ArgumentException(
                $"syslog message contains a line feed at offset {span.IndexOf((byte)'\n')}; LF framing would split it (escape it, or use octet-counting framing)",
                nameof(message));

        var frameLength = FrameLength(span.Length);
        if (_connection is { PeerClosed: false } && frameLength <= BufferSize - _buffered)
        {
            WriteFrame(span);
            return default;
        }

        return SendSlowAsync(message, frameLength, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="SyslogSendException">Writing failed, or the receiver closed the connection after
    /// messages were written; re-send the batch.</exception>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_buffered == 0 && (_writtenSinceFlush == 0 || _connection is { PeerClosed: false }))
        {
            if (_writtenSinceFlush > 0)
                Flushed();
            return default;
        }

        return FlushSlowAsync(cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Connects at once, whatever the reconnect backoff says: the caller paces its probes, and the
    /// point of probing is to resume the moment the receiver is back rather than when the backoff
    /// ends. A failed probe is not counted as a send failure. A connection carrying messages not yet
    /// flushed is never replaced.
    /// </remarks>
    public async ValueTask<bool?> ProbeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_connection is { PeerClosed: false })
            return true;
        if (_buffered > 0 || _writtenSinceFlush > 0)
            return false;
        try
        {
            var connection = await SyslogConnection.OpenAsync(_options, _tls, cancellationToken);
            DropConnection();
            _connection = connection;
        }
        catch (Exception e) when (SyslogTransportError.Is(e) || e is OperationCanceledException)
        {
            _log?.Debug("Syslog {Destination}: probe failed: {Reason}", Destination,
                e is OperationCanceledException ? "no connection before the probe's deadline" : SyslogTransportError.Describe(e));
            return false;
        }

        _reconnects.Connected();
        _log?.Information("Syslog connected to {Destination}", Destination);
        return true;
    }

    /// <summary>Writes what is buffered (best effort, bounded by the connect timeout) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_connection is { } connection)
        {
            _connection = null;
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
            try
            {
                if (_buffered > 0 && !connection.PeerClosed)
                    await connection.Stream.WriteAsync(_buffer.AsMemory(0, _buffered), timeout.Token);
                await connection.CloseGracefullyAsync(timeout.Token);
            }
            catch (Exception e) when (SyslogTransportError.Is(e) || e is OperationCanceledException)
            {
                _log?.Warning("Syslog {Destination}: {Count} messages not written at shutdown: {Reason}", Destination, _bufferedMessages, SyslogTransportError.Describe(e));
            }
            finally
            {
                connection.Dispose();
            }

            _log?.Information("Syslog disconnected from {Destination}", Destination);
        }
    }

    private int FrameLength(int messageLength) =>
        _octetCounting ? CountDigits(messageLength) + 1 + messageLength : messageLength + 1;

    private static int CountDigits(int value) => value switch
    {
        < 10 => 1,
        < 100 => 2,
        < 1000 => 3,
        < 10000 => 4,
        < 100000 => 5,
        _ => (int)Math.Floor(Math.Log10(value)) + 1,
    };

    private void WriteFrame(ReadOnlySpan<byte> message)
    {
        var target = _buffer.AsSpan(_buffered);
        if (_octetCounting)
        {
            message.Length.TryFormat(target, out var digits, provider: CultureInfo.InvariantCulture);
            target[digits] = (byte)' ';
            message.CopyTo(target[(digits + 1)..]);
            _buffered += digits + 1 + message.Length;
        }
        else
        {
            message.CopyTo(target);
            target[message.Length] = (byte)'\n';
            _buffered += message.Length + 1;
        }

        _bufferedMessages++;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendSlowAsync(ReadOnlyMemory<byte> message, int frameLength, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureConnectedAsync(cancellationToken);
            if (frameLength > BufferSize - _buffered)
                await WriteBufferAsync(cancellationToken);
            if (frameLength <= BufferSize)
            {
                WriteFrame(message.Span);
                return;
            }

            // Larger than the whole buffer: frame around it and hand the body to the socket as is.
            if (_octetCounting)
            {
                message.Length.TryFormat(_buffer, out var digits, provider: CultureInfo.InvariantCulture);
                _buffer[digits] = (byte)' ';
                _buffered = digits + 1;
                await WriteBufferAsync(cancellationToken);
                await WriteBodyAsync(message, cancellationToken);
                Stats.AddSent(1, 0);
            }
            else
            {
                await WriteBodyAsync(message, cancellationToken);
                _buffer[0] = (byte)'\n';
                _buffered = 1;
                _bufferedMessages = 1; // complete once its LF is written
            }
        }
        catch (Exception e) when (SyslogTransportError.Is(e))
        {
            throw Fail(e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A write cut short leaves a partial frame on the wire: start over on a new connection.
            DropConnection();
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushSlowAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_connection is not { } connection)
                throw new IOException("not connected");
            if (_buffered > 0)
                await WriteBufferAsync(cancellationToken);
            else if (connection.PeerClosed)
                throw new IOException("the receiver closed the connection");
            await connection.Stream.FlushAsync(cancellationToken);
            Flushed();
        }
        catch (Exception e) when (SyslogTransportError.Is(e))
        {
            throw Fail(e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            DropConnection();
            throw;
        }
    }

    private async ValueTask EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            if (!existing.PeerClosed)
                return;
            if (_buffered > 0 || _writtenSinceFlush > 0)
                throw new IOException("the receiver closed the connection");
            // Closed while idle (receivers and balancers drop idle connections): nothing of the
            // caller's current batch is at stake, so reconnect without reporting a failure.
            _log?.Information("Syslog {Destination}: the receiver closed the idle connection; reconnecting", Destination);
            DropConnection();
        }

        await _reconnects.WaitAsync(cancellationToken);
        _log?.Debug("Syslog {Destination}: connecting", Destination);
        _connection = await SyslogConnection.OpenAsync(_options, _tls, cancellationToken);
        _reconnects.Connected();
        _log?.Information("Syslog connected to {Destination}", Destination);
    }

    private async ValueTask WriteBufferAsync(CancellationToken cancellationToken)
    {
        var connection = _connection!;
        if (connection.PeerClosed)
            throw new IOException("the receiver closed the connection");
        await connection.Stream.WriteAsync(_buffer.AsMemory(0, _buffered), cancellationToken);
        Stats.AddSent(_bufferedMessages, _buffered);
        _writtenSinceFlush += _bufferedMessages;
        _bytesSinceFlush += _buffered;
        _buffered = 0;
        _bufferedMessages = 0;
    }

    private async ValueTask WriteBodyAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        await _connection!.Stream.WriteAsync(body, cancellationToken);
        Stats.AddSent(0, body.Length);
        _writtenSinceFlush++;
        _bytesSinceFlush += body.Length;
    }

    private void Flushed()
    {
        if (_log is not null && _log.IsEnabled(LogEventLevel.Debug))
            _log.Debug("Syslog {Destination}: batch flushed, {Messages} message(s), {Bytes} bytes", Destination, _writtenSinceFlush, _bytesSinceFlush);
        _writtenSinceFlush = 0;
        _bytesSinceFlush = 0;
    }

    private SyslogSendException Fail(Exception e)
    {
        DropConnection();
        return _reconnects.Failed(SyslogTransportError.Describe(e), e);
    }

    private void DropConnection()
    {
        _connection?.Dispose();
        _connection = null;
        _buffered = 0;
        _bufferedMessages = 0;
        _writtenSinceFlush = 0;
        _bytesSinceFlush = 0;
    }
}
