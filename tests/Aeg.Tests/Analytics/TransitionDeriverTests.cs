using Aeg.Analytics;

namespace Aeg.Tests.Analytics;

/// <summary>Hand-built row sequences through <see cref="TransitionDeriver"/>, the way the poller would see them.</summary>
public sealed class TransitionDeriverTests
{
    private const long Minute = 60_000;
    private static readonly long T0 = new DateTimeOffset(2026, 10, 5, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Mrt = 1_790_000_000_000;

    /// <summary>Keeps each event's history between rows, as the SQLite store does.</summary>
    private sealed class Replay(AnalyticsOptions? options = null)
    {
        private readonly TransitionDeriver _deriver = new(options ?? new AnalyticsOptions());
        public Dictionary<long, EventHistory> Events { get; } = [];
        public List<RowOutcome> Outcomes { get; } = [];

        public RowOutcome Apply(AnalyticsRow row)
        {
            var outcome = _deriver.Apply(Events.GetValueOrDefault(row.EventId), row);
            if (outcome.Next is { } next)
            {
                Events[row.EventId] = next;
            }
            Outcomes.Add(outcome);
            return outcome;
        }

        public List<AnalystDuration> Durations => [.. Outcomes.SelectMany(o => o.Durations)];
        public List<StageTransition> Transitions => [.. Outcomes.SelectMany(o => o.Transitions)];
        public List<HistoryNote> Notes => [.. Outcomes.SelectMany(o => o.Notes).Select(n => n.Note)];
    }

    private static AnalyticsRow Row(long eventId, long version, long time, string? user, string stage, long flags = 0, string? audit = null, long? mrt = Mrt) =>
        new(eventId, version, time, user, stage, flags, mrt, audit);

    private static string Audit(params (long Time, string User, string Stage)[] newestFirst) =>
        string.Concat(newestFirst.Select(l => $"1,{l.Time},{l.User},{l.Stage},,,,\n"));

    [Fact]
    public void The_rows_own_edit_at_the_end_of_a_gap_is_applied_with_the_rows_flags_as_when_no_edit_was_missed()
    {
        // Issue 20, ground truth disagreement 1: moved to Initial, then 2.9 s later (same gap)
        // set Final + Reviewed in one edit by another analyst.
        var t1 = T0 + 10 * Minute;
        var t2 = t1 + 2_900;
        var seen = new Replay();
        seen.Apply(Row(1, 1, T0, "system", "Queued", mrt: T0 - Minute));
        seen.Apply(Row(1, 2, t1, "alice", "Initial", mrt: T0 - Minute));
        seen.Apply(Row(1, 3, t2, "bob", "Final", flags: 1, mrt: T0 - Minute));

        var gap = new Replay();
        gap.Apply(Row(1, 1, T0, "system", "Queued", mrt: T0 - Minute));
        gap.Apply(Row(1, 3, t2, "bob", "Final", flags: 1, mrt: T0 - Minute,
            audit: Audit((t2, "bob", "Final"), (t1, "alice", "Initial"), (T0, "system", "Queued"))));

        Assert.Contains(new AnalystDuration(1, DurationKind.Close, "bob", t2, t2), seen.Durations);
        Assert.Equal(seen.Durations, gap.Durations.Select(d => d with { Source = DurationSource.Observed }));
        // The same figures, but the review's flag may have been set by any edit of the gap: inferred, and so the close that starts from it.
        Assert.Equal([DurationSource.Recovered, DurationSource.Inferred, DurationSource.Inferred], gap.Durations.Select(d => d.Source));
        Assert.All(seen.Durations, d => Assert.Equal(DurationSource.Observed, d.Source));
        Assert.DoesNotContain(HistoryNote.ClosedWithoutReview, gap.Notes);
        Assert.Equal(seen.Transitions.Select(t => (t.Analyst, t.FromStage, t.ToStage, t.TimeMs)), gap.Transitions.Select(t => (t.Analyst, t.FromStage, t.ToStage, t.TimeMs)));
        Assert.Equal(seen.Events[1] with { Version = 0 }, gap.Events[1] with { Version = 0, ReviewAnchorInferred = false });
        Assert.True(gap.Events[1].ReviewAnchorInferred);
    }

    [Fact]
    public void Respond_review_and_close_are_credited_to_the_analyst_who_made_each_transition()
    {
        var r = new Replay();
        r.Apply(Row(1, 1, T0, "system", "Queued", mrt: T0 - Minute));
        r.Apply(Row(1, 2, T0 + 5 * Minute, "alice", "Initial", mrt: T0 - Minute));
        r.Apply(Row(1, 3, T0 + 20 * Minute, "bob", "Follow-Up", flags: 0b101, mrt: T0 - Minute));
        r.Apply(Row(1, 4, T0 + 80 * Minute, "carol", "Closed", flags: 0b101, mrt: T0 - Minute));

        Assert.Equal(
        [
            new AnalystDuration(1, DurationKind.Respond, "alice", T0 - Minute, T0 + 5 * Minute),
            new AnalystDuration(1, DurationKind.Review, "bob", T0 - Minute, T0 + 20 * Minute),
            new AnalystDuration(1, DurationKind.Close, "carol", T0 + 20 * Minute, T0 + 80 * Minute),
        ], r.Durations);
        Assert.Equal(["Queued>Initial", "Initial>Follow-Up", "Follow-Up>Closed"], r.Transitions.Select(t => $"{t.FromStage}>{t.ToStage}"));
        Assert.Equal(360.0, r.Durations[0].Seconds);
        Assert.Empty(r.Notes);
    }

    [Fact]
    public void Out_of_order_and_resent_rows_are_ignored_and_do_not_double_count()
    {
        var r = new Replay();
        // Event 2 is seen at version 3 before its older version 2 comes in late; event 1 and 2 interleave.
        r.Apply(Row(1, 1, T0, "system", "Queued"));
        r.Apply(Row(2, 1, T0, "system", "Queued"));
        r.Apply(Row(2, 3, T0 + 3 * Minute, "bob", "Initial", audit: Audit((T0 + 3 * Minute, "bob", "Initial"))));
        r.Apply(Row(1, 2, T0 + 2 * Minute, "alice", "Initial"));
        var late = r.Apply(Row(2, 2, T0 + 1 * Minute, "alice", "Follow-Up"));
        // A batch re-sent after a crash repeats rows already recorded.
        var again = r.Apply(Row(1, 2, T0 + 2 * Minute, "alice", "Initial"));

        Assert.Null(late.Next);
        Assert.Null(again.Next);
        Assert.Equal([HistoryNote.RecoveredFromAuditTrail, HistoryNote.StaleRow, HistoryNote.StaleRow], r.Notes);
        Assert.Equal(["1 alice 120", "2 bob 180"], r.Durations.Where(d => d.Kind == DurationKind.Respond)
            .Select(d => $"{d.EventId} {d.Analyst} {d.Seconds - (T0 - Mrt) / 1000.0}").Order());
        Assert.Equal("Initial", r.Events[2].Stage);
        Assert.Equal(3, r.Events[2].Version);
        Assert.Equal(2, r.Transitions.Count);
    }

    [Fact]
    public void Two_edits_between_polls_are_recovered_from_the_audit_trail()
    {
        var r = new Replay();
        r.Apply(Row(7, 1, T0, "system", "Queued"));
        // alice responded at +4m, bob moved it to Follow-Up at +9m; the poll only sees version 3.
        // The auto-generated Queued line is older than the event and changes nothing.
        var trail = Audit((T0 + 9 * Minute, "bob", "Follow-Up"), (T0 + 4 * Minute, "alice", "Initial"), (T0 - 600 * Minute, "admin", "Queued"));
        var outcome = r.Apply(Row(7, 3, T0 + 9 * Minute, "bob", "Follow-Up", audit: trail));

        Assert.Equal([HistoryNote.RecoveredFromAuditTrail], outcome.Notes.Select(n => n.Note));
        Assert.Equal(
        [
            new StageTransition(7, 3, T0 + 4 * Minute, "alice", "Queued", "Initial", true),
            // bob's edit is the row itself: seen by the poll, not recovered.
            new StageTransition(7, 3, T0 + 9 * Minute, "bob", "Initial", "Follow-Up", false),
        ], outcome.Transitions);
        var respond = Assert.Single(outcome.Durations);
        Assert.Equal(new AnalystDuration(7, DurationKind.Respond, "alice", Mrt, T0 + 4 * Minute, DurationSource.Recovered), respond);
        Assert.False(r.Events[7].Incomplete);
    }

    [Fact]
    public void Reopened_after_close_counts_again_from_the_reopen_and_respond_and_review_stay_single()
    {
        var r = new Replay();
        r.Apply(Row(3, 1, T0, "system", "Queued"));
        r.Apply(Row(3, 2, T0 + 10 * Minute, "alice", "Initial", flags: 1));
        r.Apply(Row(3, 3, T0 + 70 * Minute, "alice", "Final", flags: 1));
        r.Apply(Row(3, 4, T0 + 100 * Minute, "dave", "Follow-Up", flags: 1));
        r.Apply(Row(3, 5, T0 + 130 * Minute, "dave", "Initial", flags: 1));
        r.Apply(Row(3, 6, T0 + 145 * Minute, "erin", "Closed", flags: 1));

        Assert.Equal(1, r.Durations.Count(d => d.Kind == DurationKind.Respond));
        Assert.Equal(1, r.Durations.Count(d => d.Kind == DurationKind.Review));
        Assert.Equal(
        [
            new AnalystDuration(3, DurationKind.Close, "alice", T0 + 10 * Minute, T0 + 70 * Minute),
            new AnalystDuration(3, DurationKind.Close, "erin", T0 + 100 * Minute, T0 + 145 * Minute),
        ], r.Durations.Where(d => d.Kind == DurationKind.Close));
        Assert.Equal([HistoryNote.Reopened], r.Notes);
    }

    [Fact]
    public void A_version_gap_without_audit_lines_is_incomplete_history_and_nothing_in_it_is_measured()
    {
        var r = new Replay();
        r.Apply(Row(4, 1, T0, "system", "Queued"));
        var gap = r.Apply(Row(4, 4, T0 + 50 * Minute, "bob", "Closed", flags: 1));
        Assert.Equal([HistoryNote.IncompleteHistory], gap.Notes.Select(n => n.Note));
        Assert.Empty(gap.Durations);
        Assert.Empty(gap.Transitions);
        Assert.True(r.Events[4].Incomplete);
        Assert.Equal("Closed", r.Events[4].Stage);

        // Later, observed edits are measured again: a re-open while reviewed and a close.
        r.Apply(Row(4, 5, T0 + 60 * Minute, "carol", "Follow-Up", flags: 1));
        r.Apply(Row(4, 6, T0 + 75 * Minute, "carol", "Final", flags: 1));
        Assert.Equal([new AnalystDuration(4, DurationKind.Close, "carol", T0 + 60 * Minute, T0 + 75 * Minute)], r.Durations);
        Assert.DoesNotContain(r.Durations, d => d.Kind is DurationKind.Respond or DurationKind.Review);

        // First seen at version 3 with no audit trail: the two earlier edits are unknown as well.
        var firstSight = r.Apply(Row(5, 3, T0, "bob", "Initial", audit: ""));
        Assert.Equal([HistoryNote.IncompleteHistory], firstSight.Notes.Select(n => n.Note));
        Assert.Empty(firstSight.Durations);
    }

    [Fact]
    public void Review_can_be_a_stage_and_closing_without_review_or_without_mrt_is_counted_not_measured()
    {
        var r = new Replay(new AnalyticsOptions { ReviewedFlagBit = null, ReviewedStages = ["Follow-Up"], FinalStages = ["Closed", "re-image"] });
        r.Apply(Row(1, 1, T0, "system", "Queued"));
        r.Apply(Row(1, 2, T0 + 7 * Minute, "alice", "Follow-Up", flags: 1));
        r.Apply(Row(1, 3, T0 + 9 * Minute, "bob", "re-image"));
        // Event 2 is closed straight from Queued and has no MRT.
        r.Apply(Row(2, 1, T0, "system", "Queued", mrt: null));
        r.Apply(Row(2, 2, T0 + Minute, "bob", "Closed", mrt: null));

        Assert.Equal(
        [
            new AnalystDuration(1, DurationKind.Respond, "alice", Mrt, T0 + 7 * Minute),
            new AnalystDuration(1, DurationKind.Review, "alice", Mrt, T0 + 7 * Minute),
            // Leaving the reviewing stage for a final one is the close, measured from the review.
            new AnalystDuration(1, DurationKind.Close, "bob", T0 + 7 * Minute, T0 + 9 * Minute),
        ], r.Durations);
        Assert.Equal([HistoryNote.NoManagerReceiptTime, HistoryNote.ClosedWithoutReview], r.Notes);
    }

    [Fact]
    public void A_full_audit_trail_that_may_have_lost_the_gaps_oldest_lines_measures_nothing_the_lost_lines_may_hold()
    {
        // 40 stage changes between two polls: the 2048-byte column keeps only the newest lines.
        var edits = Enumerable.Range(1, 40).Select(i => (Time: T0 + i * Minute, User: "analyst-with-a-long-name-" + i, Stage: i % 2 == 0 ? "Initial" : "Follow-Up")).ToList();
        var full = Audit([.. edits.AsEnumerable().Reverse()]);
        var kept = full[..full[..AuditTrail.Capacity].LastIndexOf('\n')];
        Assert.True(full.Length > AuditTrail.Capacity);

        var r = new Replay();
        r.Apply(Row(1, 1, T0, "system", "Queued"));
        var gap = r.Apply(Row(1, 42, T0 + 40 * Minute, "analyst40", "Initial", audit: kept));
        Assert.Equal([HistoryNote.TruncatedAuditTrail], gap.Notes.Select(n => n.Note));
        // The response was among the lost lines: not measured, and the first kept change is not taken for it.
        Assert.Empty(gap.Durations);
        Assert.True(r.Events[1].Responded);
        Assert.True(r.Events[1].Incomplete);
        // The kept lines after the oldest are recovered with their own times and analysts.
        var kept1 = AuditTrail.Parse(kept);
        Assert.Equal(kept1.Count - 1, gap.Transitions.Count);
        Assert.All(gap.Transitions.SkipLast(1), t => Assert.True(t.FromAuditTrail));
        Assert.Equal(kept1[1].TimeMs, gap.Transitions[0].TimeMs);

        // The same full column, but it still reaches back past the last recorded edit: recovered.
        var r2 = new Replay();
        r2.Apply(Row(2, 1, T0 + 30 * Minute + 1, "system", "Queued"));
        var recovered = r2.Apply(Row(2, 12, T0 + 40 * Minute, "analyst40", "Initial", audit: kept));
        Assert.Equal([HistoryNote.RecoveredFromAuditTrail], recovered.Notes.Select(n => n.Note));
        Assert.Equal(new AnalystDuration(2, DurationKind.Respond, "analyst-with-a-long-name-31", Mrt, T0 + 31 * Minute, DurationSource.Recovered), Assert.Single(recovered.Durations));
    }

    [Fact]
    public void Audit_trail_parses_crlf_lf_and_no_final_newline_and_skips_truncated_lines()
    {
        var lines = AuditTrail.Parse("3,300,carol,Final,,,,\r\n2,200,bob,Follow-Up,,,,\n1,100,alice,Queued,,,,\n1,5");
        Assert.Equal([new AuditLine(100, "alice", "Queued"), new AuditLine(200, "bob", "Follow-Up"), new AuditLine(300, "carol", "Final")], lines);
        Assert.Empty(AuditTrail.Parse(null));
    }
}
