namespace Aeg.Analytics;

/// <summary>
/// Turns the rows of one event (latest state per poll) into stage transitions and analyst
/// durations. Pure: the caller keeps each event's <see cref="EventHistory"/> between rows. Not
/// thread-safe (it reuses scratch space across rows); the recorder uses it from one thread.
/// </summary>
public sealed class TransitionDeriver(AnalyticsOptions options)
{
    private readonly List<AuditLine> _lines = [];
    private readonly NamePool _names = new();

    /// <summary>The name credited when a row or audit line names no user.</summary>
    public const string UnknownAnalyst = "(unknown)";

    private readonly HashSet<string> _final = new(options.FinalStages ?? [], StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _reviewedStages = new(options.ReviewedStages ?? [], StringComparer.OrdinalIgnoreCase);

    /// <summary>Applies one row to the event's history (null when the event is new).</summary>
    public RowOutcome Apply(EventHistory? previous, AnalyticsRow row)
    {
        var outcome = new RowOutcome();
        if (previous is not null && row.Version <= previous.Version)
        {
            // Late rows from the look-back window and batches re-sent after a crash repeat what
            // is already recorded; counting them again would double every duration.
            outcome.Notes.Add(new HistoryNoteEntry(row.EventId, row.Version, row.ModificationTimeMs, HistoryNote.StaleRow));
            return outcome;
        }
        var state = new State(previous ?? new EventHistory(row.EventId, 0, long.MinValue, row.ManagerReceiptTimeMs,
            options.InitialStage, 0, null, false, false, false), row, outcome);
        var missed = row.Version - (previous?.Version ?? 0) - 1;
        if (missed > 0)
        {
            var lines = _lines;
            lines.Clear();
            AuditTrail.Parse(row.AuditTrail, lines, _names);
            // Oldest first, so the lines newer than the last recorded edit are the tail.
            var after = previous?.ModificationTimeMs ?? long.MinValue;
            var firstRecovered = lines.Count;
            while (firstRecovered > 0 && lines[firstRecovered - 1].TimeMs > after)
            {
                firstRecovered--;
            }
            var recoveredCount = lines.Count - firstRecovered;
            // A full column whose every line is newer than the last recorded edit may have lost
            // the oldest lines of the gap: what is left would credit the wrong start.
            if (recoveredCount == 0)
            {
                state.Note(HistoryNote.IncompleteHistory, row.ModificationTimeMs);
                ApplyUnmeasured(state, row);
                outcome.Next = state.ToHistory();
                return outcome;
            }
            if (recoveredCount == lines.Count && AuditTrail.MayBeTruncated(row.AuditTrail))
            {
                // What is certain stays: durations already recorded, and the kept lines after the oldest.
                state.Note(HistoryNote.TruncatedAuditTrail, row.ModificationTimeMs);
                AcrossLostLines(state, lines[firstRecovered]);
                firstRecovered++;
            }
            else
            {
                state.Note(HistoryNote.RecoveredFromAuditTrail, row.ModificationTimeMs);
            }
            // The newest line is usually the row's own edit: the row applies it below with the
            // flags it set, as when no edit was missed (replayed here, it would meet the old flags).
            var end = lines.Count;
            if (lines[end - 1].TimeMs == row.ModificationTimeMs && row.Stage is { } own
                && string.Equals(lines[end - 1].Stage, own, StringComparison.OrdinalIgnoreCase))
            {
                end--;
            }
            for (var i = firstRecovered; i < end; i++)
            {
                Step(state, lines[i].Stage, state.Flags, lines[i].TimeMs, lines[i].User, fromAuditTrail: true, flagsInferred: false);
            }
        }
        // After a gap the row's flags may have been set by any edit in it: a review they show is inferred.
        Step(state, row.Stage ?? state.Stage, row.Flags ?? state.Flags, row.ModificationTimeMs, row.ModifiedBy, fromAuditTrail: false, flagsInferred: missed > 0);
        outcome.Next = state.ToHistory();
        return outcome;
    }

    private bool IsFinal(string stage) => _final.Contains(stage);

    private bool IsReviewed(string stage, long flags) =>
        (options.ReviewedFlagBit is { } bit && (flags & (1L << bit)) != 0) || _reviewedStages.Contains(stage);

    private void Step(State s, string stage, long flags, long timeMs, string? user, bool fromAuditTrail, bool flagsInferred)
    {
        var source = fromAuditTrail ? DurationSource.Recovered : DurationSource.Observed;
        var analyst = string.IsNullOrWhiteSpace(user) ? UnknownAnalyst : user;
        var wasReviewed = IsReviewed(s.Stage, s.Flags);
        var wasFinal = IsFinal(s.Stage);
        var stageChanged = !string.Equals(stage, s.Stage, StringComparison.OrdinalIgnoreCase);
        if (stageChanged)
        {
            s.Outcome.Transitions.Add(new StageTransition(s.EventId, s.Version, timeMs, analyst, s.Stage, stage, fromAuditTrail));
        }
        s.Stage = stage;
        s.Flags = flags;
        s.ModificationTimeMs = Math.Max(s.ModificationTimeMs, timeMs);

        if (stageChanged && !s.Responded && !string.Equals(stage, options.InitialStage, StringComparison.OrdinalIgnoreCase))
        {
            s.Responded = true;
            s.Measure(DurationKind.Respond, analyst, s.Mrt, timeMs, source);
        }
        var reviewed = IsReviewed(stage, flags);
        if (reviewed && !wasReviewed)
        {
            if (!s.ReviewMeasured)
            {
                s.ReviewMeasured = true;
                s.Measure(DurationKind.Review, analyst, s.Mrt, timeMs, flagsInferred ? DurationSource.Inferred : source);
            }
            s.ReviewAnchorMs = timeMs;
            s.ReviewAnchorInferred = flagsInferred;
            s.ReviewAnchorRecovered = fromAuditTrail;
        }
        // The close is judged before a review mark that ends in the same edit is dropped: with a
        // reviewing stage, moving on to the final stage is exactly what ends the review.
        var final = IsFinal(stage);
        if (final && !wasFinal)
        {
            if (s.ReviewAnchorMs is { } anchor)
            {
                // Observed only when both ends were: a start read from the audit trail makes it recovered.
                var closeSource = s.ReviewAnchorInferred ? DurationSource.Inferred
                    : s.ReviewAnchorRecovered ? DurationSource.Recovered : source;
                s.Measure(DurationKind.Close, analyst, anchor, timeMs, closeSource);
            }
            else
            {
                s.Note(reviewed || wasReviewed ? HistoryNote.CloseNotMeasurable : HistoryNote.ClosedWithoutReview, timeMs);
            }
        }
        if (!reviewed && wasReviewed)
        {
            s.ReviewAnchorMs = null;
        }
        if (!final && wasFinal)
        {
            s.Note(HistoryNote.Reopened, timeMs);
            // Work starts again at the re-open: the next close is measured from here, not from
            // a review that may be weeks old.
            // The flags after this edit are known (a row's own, or the last known for an audit
            // line), so the re-open's time is ESM's, not a guess.
            if (reviewed)
            {
                s.ReviewAnchorMs = timeMs;
                s.ReviewAnchorInferred = false;
                s.ReviewAnchorRecovered = fromAuditTrail;
            }
        }
    }

    // The oldest kept line of a cut audit trail: the event was in its stage then, but what the
    // lost edits before it did is unknown, so only what they cannot have changed is kept.
    private void AcrossLostLines(State s, AuditLine oldest)
    {
        var wasFinal = IsFinal(s.Stage);
        var final = IsFinal(oldest.Stage);
        // The first response (or a reviewing stage) may be among the lost edits: not measured,
        // and no later change is taken for it.
        s.Responded = true;
        s.ReviewMeasured |= _reviewedStages.Count > 0;
        if (final && !wasFinal)
        {
            // Closed among the lost edits or by this one: when is unknown.
            s.Note(HistoryNote.CloseNotMeasurable, oldest.TimeMs);
        }
        if (!final && wasFinal)
        {
            // Re-opened at an unknown time: the next close has no certain start.
            s.Note(HistoryNote.Reopened, oldest.TimeMs);
            s.ReviewAnchorMs = null;
        }
        // The review mark still stands (flags are in no audit line, here as in any gap), but the
        // lost edits may have re-opened the event, which restarts the clock: a close from it is inferred.
        s.ReviewAnchorInferred = true;
        s.Stage = oldest.Stage;
        s.ModificationTimeMs = Math.Max(s.ModificationTimeMs, oldest.TimeMs);
        s.Incomplete = true;
    }

    // A gap nobody can reconstruct: take the row's state as the new truth, measure nothing in it,
    // and remember that this event's figures are partial.
    private void ApplyUnmeasured(State s, AnalyticsRow row)
    {
        var stage = row.Stage ?? s.Stage;
        var flags = row.Flags ?? s.Flags;
        var wasReviewed = IsReviewed(s.Stage, s.Flags);
        var reviewed = IsReviewed(stage, flags);
        s.Responded |= !string.Equals(stage, options.InitialStage, StringComparison.OrdinalIgnoreCase);
        s.ReviewMeasured |= reviewed;
        if (!(reviewed && wasReviewed && string.Equals(stage, s.Stage, StringComparison.OrdinalIgnoreCase)))
        {
            s.ReviewAnchorMs = null;
        }
        s.Stage = stage;
        s.Flags = flags;
        s.ModificationTimeMs = Math.Max(s.ModificationTimeMs, row.ModificationTimeMs);
        s.Incomplete = true;
    }

    private sealed class State(EventHistory h, AnalyticsRow row, RowOutcome outcome)
    {
        public long EventId { get; } = h.EventId;
        public long Version { get; } = row.Version;
        public RowOutcome Outcome { get; } = outcome;
        public long? Mrt { get; } = row.ManagerReceiptTimeMs ?? h.ManagerReceiptTimeMs;
        public long ModificationTimeMs { get; set; } = h.ModificationTimeMs;
        public string Stage { get; set; } = h.Stage;
        public long Flags { get; set; } = h.Flags;
        public long? ReviewAnchorMs { get; set; } = h.ReviewAnchorMs;
        public bool Responded { get; set; } = h.Responded;
        public bool ReviewMeasured { get; set; } = h.ReviewMeasured;
        public bool Incomplete { get; set; } = h.Incomplete;
        public bool ReviewAnchorInferred { get; set; } = h.ReviewAnchorInferred;
        public bool ReviewAnchorRecovered { get; set; } = h.ReviewAnchorRecovered;

        public void Note(HistoryNote note, long timeMs) => Outcome.Notes.Add(new HistoryNoteEntry(EventId, Version, timeMs, note));

        public void Measure(DurationKind kind, string analyst, long? startMs, long endMs, DurationSource source)
        {
            if (startMs is not { } start)
            {
                Note(HistoryNote.NoManagerReceiptTime, endMs);
            }
            else if (endMs < start)
            {
                Note(HistoryNote.NegativeDuration, endMs);
            }
            else
            {
                Outcome.Durations.Add(new AnalystDuration(EventId, kind, analyst, start, endMs, source));
            }
        }

        public EventHistory ToHistory() => new(EventId, Version, ModificationTimeMs, Mrt, Stage, Flags, ReviewAnchorMs, Responded, ReviewMeasured, Incomplete,
            ReviewAnchorMs is not null && ReviewAnchorInferred, ReviewAnchorMs is not null && ReviewAnchorRecovered);
    }
}
