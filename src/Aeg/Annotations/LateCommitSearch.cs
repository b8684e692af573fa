using Aeg.Configuration;
using Aeg.State;
using Serilog;

namespace Aeg.Annotations;

/// <summary>
/// Where the poller looks for late commits (rows behind the cursor never sent): the look-back window
/// on every poll, the whole late-commit horizon every <c>poller.lateCommitCheckInterval</c>, and
/// never before the point from which the poller remembers every key it sent.
/// </summary>
internal sealed class LateCommitSearch(PollerOptions options, AnnotationCounters counters, ILogger log)
{
    private DateTimeOffset _checkedAt;
    private DateTimeOffset _withoutTimeCheckedAt;

    private long LookBackMs => (long)options.LookBack.TotalMilliseconds;

    /// <summary>How long sent keys must be remembered: the horizon, which the look-back window is part of.</summary>
    public long RememberMs => Math.Max(LookBackMs, (long)options.LateCommitHorizon.TotalMilliseconds);

    /// <summary>Where this poll's search starts, or null for no search.</summary>
    public long? From(DateTimeOffset now, AnnotationCursor cursor, LookBackWindow window)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var from = nowMs - LookBackMs;
        if (RememberMs > LookBackMs && now - _checkedAt >= options.LateCommitCheckInterval)
        {
            from = nowMs - RememberMs;
            _checkedAt = now;
        }
        from = Math.Max(from, window.CompleteFromMs);
        return from < nowMs && cursor.ModificationTimeMs >= from ? from : null;
    }

    /// <summary>
    /// Once per <c>poller.lateCommitCheckInterval</c>, counts the rows with modification_time 0 or NULL.
    /// Such a row sorts before every cursor past 0, so no poll reaches it (after a first start from
    /// <c>beginning</c> it was sent once, marked missing_time): counted, and said when the count grows,
    /// with an example, since only a fix in ESM's database brings it back.
    /// </summary>
    public async Task CountRowsWithoutTimeAsync(DateTimeOffset now, AnnotationCursor cursor, IAnnotationSource source, CancellationToken cancellationToken)
    {
        if (cursor.ModificationTimeMs <= 0 || now - _withoutTimeCheckedAt < options.LateCommitCheckInterval)
        {
            return;
        }
        _withoutTimeCheckedAt = now;
        RowsWithoutTime? counted;
        try
        {
            counted = await source.CountWithoutTimeAsync(cancellationToken);
        }
        catch (Exception ex) when (PollFailures.IsTransient(ex))
        {
            // Only a count: the poll's own reads, next, meet the same outage and report it (/readyz,
            // the retry); failing here would fail the poll without saying why in /readyz.
            log.Debug("Counting the rows without modification_time failed ({Reason}); tried again next interval", PollFailures.Describe(ex));
            return;
        }
        if (counted is not { } found)
        {
            return;
        }
        var before = counters.RowsWithoutTime;
        counters.SetRowsWithoutTime(found.Count);
        if (found.Count > before)
        {
            log.Warning("{Count} annotation row(s) have modification_time 0 or NULL, e.g. event {EventId}: no time-ordered poll reaches them "
                + "(only a first start from poller.firstStart=beginning sends them, marked missing_time); an edit in ESM gives them a time",
                found.Count, found.ExampleEventId);
        }
    }

    /// <summary>True for a row the look-back window would not have found (only the periodic search does).</summary>
    public bool BeyondLookBack(long modificationTimeMs, DateTimeOffset now) => modificationTimeMs < now.ToUnixTimeMilliseconds() - LookBackMs;
}
