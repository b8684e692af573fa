using Aeg.Metrics;

namespace Aeg.Syslog;

/// <summary>Running totals of one syslog sender; safe to read from any thread.</summary>
public sealed class SyslogSenderStats
{
    /// <summary>Shared all-zero instance for senders that do not count.</summary>
    public static SyslogSenderStats NotCounted { get; } = new();

    private AtomicCounter _messagesSent, _bytesSent, _sendFailures, _reconnects;

    /// <summary>Messages written to the socket (handed to the kernel; not a delivery receipt).</summary>
    public long MessagesSent => _messagesSent.Value;

    /// <summary>Bytes written to the socket, framing included, TLS overhead excluded.</summary>
    public long BytesSent => _bytesSent.Value;

    /// <summary>Connect or write failures, each reported to the caller as a <see cref="SyslogSendException"/>.</summary>
    public long SendFailures => _sendFailures.Value;

    /// <summary>Connections established after a failure or a connection the receiver closed.</summary>
    public long Reconnects => _reconnects.Value;

    internal void AddSent(long messages, long bytes)
    {
        _messagesSent.Add(messages);
        _bytesSent.Add(bytes);
    }

    internal void AddFailure() => _sendFailures.Increment();

    internal void AddReconnect() => _reconnects.Increment();
}
