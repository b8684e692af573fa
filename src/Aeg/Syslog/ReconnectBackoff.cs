namespace Aeg.Syslog;

/// <summary>
/// Exponential backoff with jitter between a minimum and maximum delay, counted from the last failure.
/// </summary>
/// <remarks>
/// Jitter keeps many Aeg instances (or listeners behind a balancer) from reconnecting in lockstep
/// after a receiver restart. Not thread-safe: each sender owns one.
/// </remarks>
internal sealed class ReconnectBackoff(TimeSpan minDelay, TimeSpan maxDelay, TimeProvider time)
{
    private int _consecutiveFailures;
    private long _retryAt;

    /// <summary>True after a failure until <see cref="Reset"/>; a connect then counts as a reconnect.</summary>
    public bool HasFailed => _consecutiveFailures > 0;

    /// <summary>Records a failure and returns how long the next attempt must wait.</summary>
    public TimeSpan RecordFailure()
    {
        _consecutiveFailures = Math.Min(_consecutiveFailures + 1, 62);
        var delay = NextDelay(_consecutiveFailures);
        _retryAt = time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);
        return delay;
    }

    /// <summary>A connection works again: the next failure starts from the minimum delay.</summary>
    public void Reset() => _consecutiveFailures = 0;

    /// <summary>Waits until the backoff after the last failure has passed (returns at once when none is pending).</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        if (_consecutiveFailures == 0)
            return Task.CompletedTask;
        var remaining = time.GetElapsedTime(time.GetTimestamp(), _retryAt);
        return remaining > TimeSpan.Zero ? Task.Delay(remaining, time, cancellationToken) : Task.CompletedTask;
    }

    private TimeSpan NextDelay(int failures)
    {
        // min·2^(n−1), capped; then a random point in the upper half ("equal jitter"), never below min.
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, minDelay.TotalMilliseconds * Math.Pow(2, failures - 1));
        var jittered = ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2;
        return TimeSpan.FromMilliseconds(Math.Clamp(jittered, minDelay.TotalMilliseconds, maxDelay.TotalMilliseconds));
    }
}
