namespace Aeg.Syslog;

/// <summary>Running totals of one syslog sender; safe to read from any thread.</summary>
public sealed class SyslogSenderStats
{
    /// <summary>Shared all-zero instance for senders that do not count.</summary>
    public static SyslogSenderStats NotCounted { get; } = new();

    private long _messagesSent;
    private long _bytesSent;
    private long _sendFailures;
    private long _reconnects;

    /// <summary>Messages written to the socket (handed to the kernel; not a delivery receipt).</summary>
    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    /// <summary>Bytes written to the socket, framing included, TLS overhead excluded.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Connect or write failures, each reported to the caller as a <see cref="SyslogSendException"/>.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Connections established after a failure or a connection the receiver closed.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    internal void AddSent(long messages, long bytes)
    {
        Interlocked.Add(ref _messagesSent, messages);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void AddFailure() => Interlocked.Increment(ref _sendFailures);

    internal void AddReconnect() => Interlocked.Increment(ref _reconnects);
}
