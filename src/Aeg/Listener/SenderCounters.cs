namespace Aeg.Listener;

/// <summary>Per-sender message counters; one instance per sender address, reused for every message.</summary>
/// <remarks>
/// The listener counts <see cref="Received"/>; the handler counts <see cref="Parsed"/>,
/// <see cref="Rejected"/> and <see cref="Matched"/>. Thread-safe (several connections may
/// share a sender address).
/// </remarks>
public sealed class SenderCounters(string address)
{
    private long _received, _parsed, _rejected, _matched, _oversized, _rateLimited;

    /// <summary>The sender's IP address as text (no port: one sender, many connections).</summary>
    public string Address { get; } = address;

    public long Received => Interlocked.Read(ref _received);
    public long Parsed => Interlocked.Read(ref _parsed);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Matched => Interlocked.Read(ref _matched);
    /// <summary>Frames over the configured maximum size, skipped without being handed on.</summary>
    public long Oversized => Interlocked.Read(ref _oversized);

    /// <summary>Frames dropped because this sender was over the listener's senderMessagesPerSecond.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public void CountRateLimited() => Interlocked.Increment(ref _rateLimited);
    public void CountReceived() => Interlocked.Increment(ref _received);
    public void CountParsed() => Interlocked.Increment(ref _parsed);
    public void CountRejected() => Interlocked.Increment(ref _rejected);
    public void CountMatched() => Interlocked.Increment(ref _matched);
    public void CountOversized() => Interlocked.Increment(ref _oversized);
}
