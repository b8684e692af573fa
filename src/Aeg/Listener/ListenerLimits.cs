using System.Collections.Concurrent;
using System.Diagnostics;
using Serilog;
using Serilog.Events;

namespace Aeg.Listener;

/// <summary>
/// The limits of one listener that act per message: the per-sender message rate (a token bucket
/// per source IP address) and warnings about dropped messages, logged at most once per interval
/// per kind. The counters hold the exact totals.
/// </summary>
/// <remarks>
/// Over the rate, UDP drops (<see cref="TryAdmit"/>); TCP and TLS connections take their tokens
/// from <see cref="BucketOf"/> and stop reading their socket until it refills, so their messages
/// wait in the kernel's and the sender's buffers (TCP flow control) and none is lost.
/// </remarks>
public sealed class ListenerLimits : IDisposable
{
    /// <summary>How often each kind of warning may be logged.</summary>
    public static readonly TimeSpan DefaultLogInterval = TimeSpan.FromSeconds(10);

    // DBG lines about connections and throttling: a burst of 20, then five a second per listener, so
    // a --debug run with many senders stays readable; a line says how many were held back before it.
    private const int DebugLinesPerSecond = 5, DebugLineBurst = 20;

    private readonly ListenerOptions _options;
    private readonly ListenerCounters _counters;
    private readonly ILogger? _log;
    private readonly int _rate;
    private readonly ConcurrentDictionary<SenderCounters, TokenBucket> _buckets = new();
    private readonly Func<SenderCounters, TokenBucket> _newBucket;
    private readonly LogThrottle _oversizedLog, _framingLog, _rateLog;
    private readonly TokenBucket _debugLines = new(DebugLinesPerSecond, DebugLineBurst, Stopwatch.GetTimestamp());
    private long _debugHeld;

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
        _rate = options.EffectiveSenderMessagesPerSecond;
        _newBucket = _ => new TokenBucket(_rate, options.SenderBurst, Stopwatch.GetTimestamp());
        DebugEnabled = log?.IsEnabled(LogEventLevel.Debug) == true;
    }

    /// <summary>Whether DBG lines are written at all (<c>--debug</c>); checked once, so they cost nothing when off.</summary>
    public bool DebugEnabled { get; }

    /// <summary>The token bucket of <paramref name="sender"/>, or null when this listener has no rate limit.</summary>
    /// <remarks>
    /// Buckets are keyed by the sender's counters: one per source IP, and the senders beyond
    /// maxSenders share one, so the number of buckets is bounded like the counters are.
    /// </remarks>
    public TokenBucket? BucketOf(SenderCounters sender) => _rate > 0 ? _buckets.GetOrAdd(sender, _newBucket) : null;

    /// <summary>UDP: true when <paramref name="sender"/> may send one more message now; otherwise it is counted as rate-limited (and logged, throttled).</summary>
    /// <remarks>A known sender's message allocates nothing.</remarks>
    public bool TryAdmit(SenderCounters sender)
    {
        if (_rate == 0 || BucketOf(sender)!.Take(1, Stopwatch.GetTimestamp()) == 1)
        {
            return true;
        }

        _counters.FrameRateLimited();
        sender.CountRateLimited();
        if (_rateLog.TryTake(out var dropped))
        {
            _log?.Warning(
                "Listener {Listener}: dropped {Dropped} message(s) over the per-sender rate ({Rate}/s, burst {Burst}), latest from {Sender}; logged at most once per {Interval} s, counted in FramesRateLimited",
                _options.Name, dropped, _rate, _options.SenderBurst, sender.Address, _rateLog.Interval.TotalSeconds);
        }

        return false;
    }

    /// <summary>Writes a DBG line about a connection or its throttling (20 at once, then five a second per listener); call only when <see cref="DebugEnabled"/>.</summary>
    public void Debug(string template, params object?[] values)
    {
        if (_debugLines.Take(1, Stopwatch.GetTimestamp()) == 0)
        {
            Interlocked.Increment(ref _debugHeld);
            return;
        }

        var held = Interlocked.Exchange(ref _debugHeld, 0);
        _log?.Debug(held > 0 ? "Listener {Listener}: " + template + " ({Held} such line(s) held back before this one)" : "Listener {Listener}: " + template,
            [_options.Name, .. values, held]);
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

    /// <summary>Nothing to release since the buckets refill from the clock; kept so a listener's limits end with it.</summary>
    public void Dispose()
    {
        _buckets.Clear();
    }
}
