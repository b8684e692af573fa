using System.Diagnostics;

namespace Aeg.Listener;

/// <summary>
/// Backpressure for one TCP/TLS connection whose sender is over senderMessagesPerSecond: the
/// connection pauses reading until the sender's bucket has refilled, counts the pause, and
/// (under <c>--debug</c>) logs when throttling starts and ends. One per connection, used by its
/// read loop only.
/// </summary>
/// <remarks>
/// While the connection does not read, its bytes stay in the kernel's receive buffer; once that is
/// full TCP's window closes and the sender's writes block, so a connector holds the events in its
/// own queue instead of anyone dropping them.
/// </remarks>
internal sealed class ConnectionThrottle(TokenBucket bucket, ListenerLimits limits, ListenerCounters counters, SenderCounters sender, string peer)
{
    // Throttling "ends" for the DBG line only after this long without a pause, so a sender that
    // hovers at its rate makes one started/ended pair, not one per pause.
    private static readonly long CalmTicks = Stopwatch.Frequency;

    // Pause until about 10 ms of tokens are back (or the whole bucket, when smaller): about 100
    // wake-ups a second for a throttled connection, not one per message.
    private readonly int _refillChunk = Math.Clamp(bucket.PerSecond / 100, 1, bucket.Capacity);

    private long _episodeStart, _episodeWaits, _episodeTicks, _lastWaitEnd, _pausedTicks;

    /// <summary>Milliseconds this connection spent paused, in total.</summary>
    public long PausedMilliseconds => ToMilliseconds(_pausedTicks);

    /// <summary>Pauses until the sender may send again; false when <paramref name="stop"/> ended the pause (the listener is stopping).</summary>
    public async ValueTask<bool> PauseAsync(CancellationToken stop)
    {
        var start = Stopwatch.GetTimestamp();
        var ticks = bucket.TicksUntil(_refillChunk, start);
        if (ticks == 0)
        {
            return true;
        }

        if (_episodeStart == 0)
        {
            _episodeStart = start;
            if (limits.DebugEnabled)
            {
                limits.Debug("{Peer} is over {Rate} messages/s (burst {Burst}): reading its connection more slowly, its messages wait in its own buffers",
                    peer, bucket.PerSecond, bucket.Capacity);
            }
        }

        var canceled = false;
        try
        {
            // At least 1 ms: a shorter delay completes at once and the loop would spin until the token is there.
            await Task.Delay(TimeSpan.FromSeconds(Math.Max((double)ticks / Stopwatch.Frequency, 0.001)), stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            canceled = true;
        }

        _lastWaitEnd = Stopwatch.GetTimestamp();
        var waited = _lastWaitEnd - start;
        _episodeWaits++;
        _episodeTicks += waited;
        // Counted from the running total, so the counters' sums carry no rounding error per pause.
        var before = PausedMilliseconds;
        _pausedTicks += waited;
        var milliseconds = PausedMilliseconds - before;
        counters.ThrottleWaited(milliseconds);
        sender.CountThrottled(milliseconds);
        return !canceled;
    }

    /// <summary>After a read that needed no pause: ends the throttling episode once the sender has kept under its rate for a while.</summary>
    public void Settled()
    {
        if (_episodeStart != 0 && Stopwatch.GetTimestamp() - _lastWaitEnd >= CalmTicks)
        {
            EndEpisode("is back under its rate");
        }
    }

    /// <summary>At the end of the connection: closes an open throttling episode.</summary>
    public void Closed()
    {
        if (_episodeStart != 0)
        {
            EndEpisode("closed its connection while throttled");
        }
    }

    private void EndEpisode(string how)
    {
        if (limits.DebugEnabled)
        {
            limits.Debug("{Peer} {How}: throttled for {Seconds:F1} s, {Pauses} pause(s), {PausedMs} ms not read",
                peer, how, Stopwatch.GetElapsedTime(_episodeStart).TotalSeconds, _episodeWaits, ToMilliseconds(_episodeTicks));
        }

        _episodeStart = _episodeWaits = _episodeTicks = 0;
    }

    private static long ToMilliseconds(long ticks) => ticks * 1000 / Stopwatch.Frequency;
}
