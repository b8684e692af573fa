using Aeg.Configuration;
using Aeg.State;

namespace Aeg.Annotations;

/// <summary>
/// Where the poller looks for late commits (rows behind the cursor never sent): the look-back window
/// on every poll, the whole late-commit horizon every <c>poller.lateCommitCheckInterval</c>, and
/// never before the point from which the poller remembers every key it sent.
/// </summary>
internal sealed class LateCommitSearch(PollerOptions options)
{
    private DateTimeOffset _checkedAt;

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

    /// <summary>True for a row the look-back window would not have found (only the periodic search does).</summary>
    public bool BeyondLookBack(long modificationTimeMs, DateTimeOffset now) => modificationTimeMs < now.ToUnixTimeMilliseconds() - LookBackMs;
}
