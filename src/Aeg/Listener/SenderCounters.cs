using Aeg.Metrics;

namespace Aeg.Listener;

/// <summary>Per-sender message counters; one instance per sender address, reused for every message.</summary>
/// <remarks>
/// The listener counts <see cref="Received"/>; the handler counts <see cref="Parsed"/>,
/// <see cref="Rejected"/> and <see cref="Matched"/>. Thread-safe (several connections may
/// share a sender address).
/// </remarks>
public sealed class SenderCounters(string address)
{
    private AtomicCounter _received, _parsed, _rejected, _matched, _oversized, _rateLimited, _throttledMilliseconds;

    /// <summary>The sender's IP address as text (no port: one sender, many connections).</summary>
    public string Address { get; } = address;

    public long Received => _received.Value;
    public long Parsed => _parsed.Value;
    public long Rejected => _rejected.Value;
    public long Matched => _matched.Value;
    /// <summary>Frames over the configured maximum size, skipped without being handed on.</summary>
    public long Oversized => _oversized.Value;

    /// <summary>UDP datagrams dropped because this sender was over the listener's senderMessagesPerSecond.</summary>
    public long RateLimited => _rateLimited.Value;

    /// <summary>Milliseconds this sender's TCP/TLS connections were not read because it was over senderMessagesPerSecond (its messages waited, none was dropped).</summary>
    public long ThrottledMilliseconds => _throttledMilliseconds.Value;

    public void CountThrottled(long milliseconds) => _throttledMilliseconds.Add(milliseconds);
    public void CountRateLimited() => _rateLimited.Increment();
    public void CountReceived() => _received.Increment();
    public void CountParsed() => _parsed.Increment();
    public void CountRejected() => _rejected.Increment();
    public void CountMatched() => _matched.Increment();
    public void CountOversized() => _oversized.Increment();
}
