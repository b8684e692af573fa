namespace Aeg.Syslog;

/// <summary>
/// Sends complete syslog messages (already formatted, without framing) to one destination.
/// </summary>
/// <remarks>
/// Contract the poller relies on for "the cursor moves only after the batch was handed to the
/// transport": <see cref="SendAsync"/> throws <see cref="SyslogSendException"/> when the message
/// could not be handed over; <see cref="FlushAsync"/> returns only when every message sent so far
/// has been written to the socket. After a failure the next call reconnects (with backoff).
/// Delivery is at-least-once: messages sent since the last successful <see cref="FlushAsync"/> are
/// in an unknown state after a failure, so the caller re-sends its whole batch. "Written to the
/// socket" means handed to the kernel; TCP has no application-level acknowledgement.
/// </remarks>
public interface ISyslogSender : IAsyncDisposable
{
    /// <summary>Frames (per the configured framing) and sends one message.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>Returns once everything sent so far is on the wire.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>A description safe to log, e.g. <c>tcp://esm-conn:514 (rfc3164, octet-counting)</c>.</summary>
    string Destination { get; }

    /// <summary>Running totals (messages, bytes, failures, reconnects) for logs and /metrics.</summary>
    SyslogSenderStats Stats => SyslogSenderStats.NotCounted;

    /// <summary>
    /// Whether the destination takes a connection now, without sending anything: true when a
    /// connection is open or one could be opened (it is then kept for the next send, and the
    /// reconnect backoff is over), false when it could not; null when there is nothing to probe
    /// (UDP has no connection). Never throws for a transport error; the caller bounds it with
    /// <paramref name="cancellationToken"/>.
    /// </summary>
    ValueTask<bool?> ProbeAsync(CancellationToken cancellationToken) => ValueTask.FromResult<bool?>(null);
}

/// <summary>A syslog send failed; the message was not handed to the transport.</summary>
public sealed class SyslogSendException(string message, Exception? inner = null) : Exception(message, inner);
