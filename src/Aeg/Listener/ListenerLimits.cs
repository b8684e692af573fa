using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Serilog;

namespace Aeg.Listener;

/// <summary>
/// The limits of one listener that act per message: the per-sender message rate (a token bucket
/// per source IP address) and warnings about dropped messages, logged at most once per interval
/// per kind. The counters hold the exact totals.
/// </summary>
public sealed class ListenerLimits : IDisposable
{
    /// <summary>How often each kind of warning may be logged.</summary>
    public static readonly TimeSpan DefaultLogInterval = TimeSpan.FromSeconds(10);

    private readonly ListenerOptions _options;
    private readonly ListenerCounters _counters;
    private readonly ILogger? _log;
    private readonly TokenBucketRateLimiterOptions? _bucket;
    private readonly ConcurrentDictionary<SenderCounters, TokenBucketRateLimiter> _buckets = new();
    private readonly Timer? _refill;
    private readonly LogThrottle _oversizedLog, _framingLog, _rateLog;

    /// <summary>Creates the limits of the listener configured by <paramref name="options"/>.</summary>
    public ListenerLimits(ListenerOptions options, ListenerCounters counters, ILogger? log, TimeSpan? logInterval = null)
    {
        _options = options;
        _counters = counters;
        _log = log;
        var interval = logInterval ?? DefaultLogInterval;
        _oversizedLog = new LogThrottle(interval);
        _framingLog = new LogThrottle(interval);
        _rateLog = new LogThrottle(interval);
        if (options.SenderMessagesPerSecond > 0)
        {
            _bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.SenderBurst,
                TokensPerPeriod = options.SenderMessagesPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                // One timer refills every bucket (as PartitionedRateLimiter does), not one per sender.
                AutoReplenishment = false,
            };
            _refill = new Timer(_ => Refill(), null, RefillTick, RefillTick);
        }
    }

    // A bucket refills only once its period has passed; ticking more often just keeps it on time.
    private static readonly TimeSpan RefillTick = TimeSpan.FromMilliseconds(100);

    /// <summary>True when <paramref name="sender"/> may send one more message now; otherwise it is counted as rate-limited (and logged, throttled).</summary>
    /// <remarks>
    /// Buckets are keyed by the sender's counters: one per source IP, and the senders beyond
    /// maxSenders share one, so the number of buckets is bounded like the counters are. A known
    /// sender's message allocates nothing (PartitionedRateLimiter would allocate its partition
    /// delegates on every call).
    /// </remarks>
    public bool TryAdmit(SenderCounters sender)
    {
        if (_bucket is null)
        {
            return true;
        }

        var bucket = _buckets.GetOrAdd(sender, static (_, options) => new TokenBucketRateLimiter(options), _bucket);
        using var lease = bucket.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return true;
        }

        _counters.FrameRateLimited();
        sender.CountRateLimited();
        if (_rateLog.TryTake(out var dropped))
        {
            _log?.Warning(
                "Listener {Listener}: dropped {Dropped} message(s) over the per-sender rate ({Rate}/s, burst {Burst}), latest from {Sender}; logged at most once per {Interval} s, counted in FramesRateLimited",
                _options.Name, dropped, _options.SenderMessagesPerSecond, _options.SenderBurst, sender.Address, _rateLog.Interval.TotalSeconds);
        }

        return false;
    }

    /// <summary>Logs (throttled) that a frame over maxFrameSize was skipped; the caller counts it.</summary>
    public void WarnOversized(SenderCounters sender)
    {
        if (_oversizedLog.TryTake(out var skipped))
        {
            _log?.Warning(
                "Listener {Listener}: skipped {Skipped} message(s) over maxFrameSize ({MaxFrameSize} bytes), latest from {Sender}; logged at most once per {Interval} s, counted in FramesOversized",
                _options.Name, skipped, _options.MaxFrameSize, sender.Address, _oversizedLog.Interval.TotalSeconds);
        }
    }

    /// <summary>Logs (throttled) that an octet-counting length was malformed; the caller counts it.</summary>
    public void WarnFramingError(SenderCounters sender)
    {
        if (_framingLog.TryTake(out var errors))
        {
            _log?.Warning(
                "Listener {Listener}: {Errors} malformed octet-counting length(s), latest from {Sender} (that connection goes on with LF framing); logged at most once per {Interval} s, counted in FramingErrors",
                _options.Name, errors, sender.Address, _framingLog.Interval.TotalSeconds);
        }
    }

    private void Refill()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.TryReplenish();
        }
    }

    /// <summary>Stops the refill timer and releases the buckets.</summary>
    public void Dispose()
    {
        _refill?.Dispose();
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }
}
