namespace Aeg.Analytics.Cases;

/// <summary>What the case poller saw of one ESM case at one modification: its stage and owner then.</summary>
public sealed record CaseSnapshot(string CaseId, long CreatedMs, long ModifiedMs, string Stage, string Owner);

/// <summary>The measures of a case: from creation (or a re-open) to a closed stage, and from creation to the first stage change.</summary>
public enum CaseDurationKind
{
    Close,
    FirstChange,
}

/// <summary>One measured case duration, credited to the case's owner when the stage moved.</summary>
public sealed record CaseDuration(string CaseId, CaseDurationKind Kind, string Owner, long StartMs, long EndMs)
{
    public double Seconds => (EndMs - StartMs) / 1000.0;
}

/// <summary>
/// Derives case durations from the snapshots a case poller saw (ordered by modification time). The poller sees only each
/// poll's latest state, so a stage move is dated by the modification that showed it (the latest edit before that poll):
/// <list type="bullet">
/// <item>time to close: from the case's creation to the first snapshot in a closed stage; a case re-opened (a closed stage
/// left for an open one) is measured again from that re-open to its next close;</item>
/// <item>time to first stage change: from creation to the first snapshot whose stage differs from the initial stage (a case
/// first seen past it counts at that first snapshot: an upper bound);</item>
/// <item>each is credited to the owner in the snapshot where the stage moved, so an owner change before the close credits
/// the new owner;</item>
/// <item>a case without <c>createdTimestamp</c> starts at its first sighting; what that sighting already shows is not measured.</item>
/// </list>
/// </summary>
public sealed class CaseDurations(IEnumerable<string> closedStages, string initialStage)
{
    private readonly HashSet<string> _closed = new(closedStages, StringComparer.OrdinalIgnoreCase);

    public bool IsClosed(string stage) => _closed.Contains(stage);

    /// <summary>Every duration of one case's <paramref name="history"/> (its snapshots, any order; repeats are ignored).</summary>
    public List<CaseDuration> Of(IEnumerable<CaseSnapshot> history)
    {
        var durations = new List<CaseDuration>();
        string? previous = null;
        long openSince = 0;
        var changed = false;
        foreach (var s in history.DistinctBy(s => s.ModifiedMs).OrderBy(s => s.ModifiedMs))
        {
            // ESM gives createdTimestamp; without it the first sighting starts the clock, and what that sighting already
            // shows (a stage past the initial one, a closed stage) cannot be measured.
            var measurable = previous is not null || s.CreatedMs > 0;
            if (previous is null)
            {
                openSince = s.CreatedMs > 0 ? Math.Min(s.CreatedMs, s.ModifiedMs) : s.ModifiedMs;
            }
            var moved = previous is null ? !string.Equals(s.Stage, initialStage, StringComparison.OrdinalIgnoreCase)
                : !string.Equals(s.Stage, previous, StringComparison.OrdinalIgnoreCase);
            if (moved && !changed)
            {
                changed = true;
                if (measurable)
                {
                    durations.Add(new CaseDuration(s.CaseId, CaseDurationKind.FirstChange, s.Owner, openSince, s.ModifiedMs));
                }
            }
            var wasClosed = previous is not null && IsClosed(previous);
            if (IsClosed(s.Stage) && !wasClosed && measurable)
            {
                durations.Add(new CaseDuration(s.CaseId, CaseDurationKind.Close, s.Owner, openSince, s.ModifiedMs));
            }
            else if (!IsClosed(s.Stage) && wasClosed)
            {
                openSince = s.ModifiedMs; // re-opened: the next close is measured from here
            }
            previous = s.Stage;
        }
        return durations;
    }
}
