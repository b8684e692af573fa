namespace Aeg.Listener;

/// <summary>
/// Receives every complete syslog frame from the listeners, on the receive loop itself.
/// </summary>
/// <remarks>
/// The frame span is valid only during the call: an implementation must not keep it, block or
/// allocate on the common path (parse with CefReader, match on spans). Work that needs to
/// outlive the call (a ticket action) is copied out and queued — only for matched events.
/// Implementations must be safe to call from several connections at once.
/// </remarks>
public interface ICefMessageHandler
{
    /// <summary>Handles one frame (no framing bytes, no trailing LF) from <paramref name="sender"/>: a datagram, whose work may be shed.</summary>
    void Handle(ReadOnlySpan<byte> frame, SenderCounters sender);

    /// <summary>Handles one frame of a stream (TCP/TLS): its work is never shed; the listener checks <see cref="Ready"/> first.</summary>
    void HandleFromStream(ReadOnlySpan<byte> frame, SenderCounters sender) => Handle(frame, sender);

    /// <summary>False while the work behind the handler is full: a stream listener stops reading before the next frame.</summary>
    bool Ready => true;

    /// <summary>Completes when <see cref="Ready"/> may be true again.</summary>
    ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
