namespace Aeg.Listener;

/// <summary>
/// Lets one warning of a kind through per interval and counts the ones held back, so that a
/// sender flooding bad data costs one log line per interval, not one per message. Thread-safe.
/// </summary>
public sealed class LogThrottle(TimeSpan interval)
{
    private readonly long _intervalMs = (long)interval.TotalMilliseconds;
    private long _nextAllowed = long.MinValue;
    private long _pending;

    /// <summary>The interval between two warnings.</summary>
    public TimeSpan Interval => interval;

    /// <summary>Counts one occurrence; true when it may be logged, with how many occurred since the last one logged (this one included).</summary>
    public bool TryTake(out long occurrences)
    {
        Interlocked.Increment(ref _pending);
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _nextAllowed);
        if (now < next || Interlocked.CompareExchange(ref _nextAllowed, now + _intervalMs, next) != next)
        {
            occurrences = 0;
            return false;
        }

        occurrences = Interlocked.Exchange(ref _pending, 0);
        return true;
    }
}
