namespace Aeg.Analytics;

/// <summary>The three measured analyst durations.</summary>
public enum DurationKind
{
    /// <summary>Event MRT → first stage change away from the initial stage.</summary>
    Respond,
    /// <summary>Event MRT → first time the event is marked reviewed.</summary>
    Review,
    /// <summary>Marked reviewed (or re-opened while reviewed) → a final stage.</summary>
    Close,
}

/// <summary>Something about an event's history that is counted rather than measured.</summary>
public enum HistoryNote
{
    /// <summary>A version gap whose edits were recovered from the audit trail.</summary>
    RecoveredFromAuditTrail,
    /// <summary>A version gap with no audit line to recover it: nothing in the gap is measured.</summary>
    IncompleteHistory,
    /// <summary>
    /// A version gap whose oldest edits fell off the full audit trail: the kept lines are recovered,
    /// what the lost edits may have changed is not measured (docs/metrics.md).
    /// </summary>
    TruncatedAuditTrail,
    /// <summary>A row whose version is not newer than the last one recorded (late, or sent again): ignored.</summary>
    StaleRow,
    /// <summary>Entered a final stage without ever being marked reviewed: no time to close.</summary>
    ClosedWithoutReview,
    /// <summary>Entered a final stage, but the review happened inside an incomplete gap: no time to close.</summary>
    CloseNotMeasurable,
    /// <summary>Left a final stage for a non-final one.</summary>
    Reopened,
    /// <summary>The event has no MRT, so time to respond or review cannot be measured.</summary>
    NoManagerReceiptTime,
    /// <summary>A duration came out negative (clocks disagree): not recorded.</summary>
    NegativeDuration,
}

/// <summary>How a duration was obtained: what a manager needs to know before trusting one figure.</summary>
public enum DurationSource
{
    /// <summary>Both ends were edits the poller saw (or the row's own edit).</summary>
    Observed,
    /// <summary>An end was an edit between two polls, read back from the audit trail (its time and analyst are ESM's).</summary>
    Recovered,
    /// <summary>
    /// A review set between two polls: the audit trail keeps stages, not flags, so its time and
    /// analyst are the row's, a guess (the review may have been set earlier, by someone else).
    /// </summary>
    Inferred,
}

/// <summary>One measured duration, credited to the analyst who made the transition that ended it.</summary>
public sealed record AnalystDuration(long EventId, DurationKind Kind, string Analyst, long StartMs, long EndMs, DurationSource Source = DurationSource.Observed)
{
    public double Seconds => (EndMs - StartMs) / 1000.0;
}

/// <summary>One stage change of an event, from a row or recovered from its audit trail.</summary>
public sealed record StageTransition(long EventId, long Version, long TimeMs, string Analyst, string FromStage, string ToStage, bool FromAuditTrail);

/// <summary>A counted note about an event's history at a version and time.</summary>
public sealed record HistoryNoteEntry(long EventId, long Version, long TimeMs, HistoryNote Note);

/// <summary>
/// What analyst metrics remember about one event between rows (one row in SQLite). The review
/// anchor (where the next time to close starts) is inferred when it is a review first shown by a
/// row after a gap, recovered when it is a re-open read from the audit trail.
/// </summary>
public sealed record EventHistory(long EventId, long Version, long ModificationTimeMs, long? ManagerReceiptTimeMs, string Stage, long Flags,
    long? ReviewAnchorMs, bool Responded, bool ReviewMeasured, bool Incomplete, bool ReviewAnchorInferred = false, bool ReviewAnchorRecovered = false);

/// <summary>What one row added: the event's new history and the transitions, durations and notes it produced.</summary>
public sealed class RowOutcome
{
    /// <summary>The event's history after the row; null when the row was ignored as stale.</summary>
    public EventHistory? Next { get; set; }
    public List<StageTransition> Transitions { get; } = [];
    public List<AnalystDuration> Durations { get; } = [];
    public List<HistoryNoteEntry> Notes { get; } = [];
}

/// <summary>How many durations of one measure and analyst fell in one histogram bucket, and their total length.</summary>
public sealed record BucketTotal(DurationKind Kind, string Analyst, DurationSource Source, int Bucket, long Count, long SumMs);

/// <summary>How many transitions into one stage one analyst made in a period, and when the first was.</summary>
public sealed record StageCount(string Analyst, string Stage, int Count, long FirstMs);

/// <summary>A period of the history in the form a report needs (<see cref="AnalyticsStore.ReadPeriod"/>): lengths for exact percentiles, counts for the rest.</summary>
public sealed class PeriodTotals
{
    /// <summary>Duration lengths in seconds per measure and analyst, in no particular order.</summary>
    public Dictionary<(DurationKind Kind, string Analyst), List<double>> Lengths { get; } = [];

    public List<StageCount> StageCounts { get; } = [];

    /// <summary>Transitions per UTC day (<see cref="AnalyticsStore.Day"/>).</summary>
    public Dictionary<long, int> TransitionsPerDay { get; } = [];

    /// <summary>Closes (durations of kind Close, by the day they ended) per UTC day.</summary>
    public Dictionary<long, int> ClosesPerDay { get; } = [];

    /// <summary>Notes per kind, by name.</summary>
    public Dictionary<string, int> Notes { get; } = [];

    /// <summary>Time in each stage: lengths in seconds of the stays that ended in the period, per stage and the analyst who ended them (<see cref="StageStays"/>).</summary>
    public Dictionary<(string Stage, string Analyst), List<double>> StageStays { get; } = [];

    /// <summary>Durations per measure and how they were obtained.</summary>
    public Dictionary<(DurationKind Kind, DurationSource Source), int> Obtained { get; } = [];
}
