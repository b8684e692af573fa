using Aeg.Analytics;

namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>
/// Issue 20's ground truth: scenarios of analyst edits and polls run through the real deriver and
/// SQLite history, every stored duration (measure, analyst, start and end to the millisecond,
/// obtained) compared with the expected list. Hand-written cases carry hand-computed figures;
/// the generated one is judged by <see cref="SimpleOracle"/>, which walks the full edit list.
/// </summary>
public sealed class GroundTruthTests
{
    private const DurationKind Respond = DurationKind.Respond;
    private const DurationKind Review = DurationKind.Review;
    private const DurationKind Close = DurationKind.Close;
    private const DurationSource Observed = DurationSource.Observed;
    private const DurationSource Recovered = DurationSource.Recovered;
    private const DurationSource Inferred = DurationSource.Inferred;

    [Fact]
    public void Every_edit_seen_at_its_poll_gives_observed_durations_credited_to_each_analyst()
    {
        var b = new ScenarioBuilder()
            .Event(1, mrt: "09:00:00.000", created: "09:00:40.000").Poll("09:01")
            .Edit("09:04:10.250", "alice", "Initial").Poll("09:05")
            .Edit("09:20:00.500", "bob", "Follow-Up", flags: 1).Poll("09:21")
            .Edit("10:02:03.004", "carol", "Closed", flags: 1).Poll("10:03")
            .Expect(Respond, "alice", "09:00:00.000", "09:04:10.250", Observed, ms: 250_250)
            .Expect(Review, "bob", "09:00:00.000", "09:20:00.500", Observed, ms: 1_200_500)
            .Expect(Close, "carol", "09:20:00.500", "10:02:03.004", Observed, ms: 2_522_504);
        using var run = new ScenarioRun(b.Scenario);
        run.AssertDurations(b.Expected);
    }

    [Fact]
    public void Aeg_report_shows_the_time_in_each_stage_as_table_csv_and_json()
    {
        var b = new ScenarioBuilder()
            .Event(1, mrt: "09:00:00.000", created: "09:00:40.000").Poll("09:01")
            .Edit("09:04:10.250", "alice", "Initial").Poll("09:05")
            .Edit("09:20:00.500", "bob", "Follow-Up", flags: 1).Poll("09:21")
            .Edit("10:02:03.004", "carol", "Closed", flags: 1).Poll("10:03");
        using var run = new ScenarioRun(b.Scenario);
        var report = AnalystReport.Build(run.Store, DateTimeOffset.FromUnixTimeMilliseconds(ScenarioBuilder.At("00:00")),
            DateTimeOffset.FromUnixTimeMilliseconds(ScenarioBuilder.At("23:59")), stageTimes: true);

        // In Initial from alice's edit until bob moved it on; in Follow-Up until carol closed it.
        Assert.Equal([new StageTime("Follow-Up", new DurationStats(1, 2522.504, 2522.504, 2522.504)), new StageTime("Initial", new DurationStats(1, 950.25, 950.25, 950.25))],
            report.TimeInStage);
        Assert.Equal(950.25, report.Analysts.Single(a => a.Analyst == "bob").TimeInStage["Initial"].MedianSeconds);
        Assert.Contains("Time in each stage", ReportText.ToTable(report), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^Follow-Up\s+1\s+42m 03s\s+42m 03s\s+42m 03s\s*$", ReportText.ToTable(report));
        var csv = ReportText.ToCsv(report).Split("\r\n");
        var header = csv[0].Split(',');
        var bob = csv.TakeWhile(l => l != "").Single(l => l.StartsWith("bob,", StringComparison.Ordinal)).Split(',');
        Assert.Equal("1", bob[Array.IndexOf(header, "time_in_Initial_count")]);
        Assert.Equal("950.25", bob[Array.IndexOf(header, "time_in_Initial_median_seconds")]);
        Assert.Equal("0", bob[Array.IndexOf(header, "time_in_Follow-Up_count")]);
        Assert.Contains("\"timeInStage\"", ReportText.ToJson(report), StringComparison.Ordinal);

        // Without --stage-times the report does not read them (they cost a pass over the period's transitions).
        var plain = AnalystReport.Build(run.Store, report.From, report.To);
        Assert.Empty(plain.TimeInStage);
        Assert.DoesNotContain("Time in each stage", ReportText.ToTable(plain), StringComparison.Ordinal);
        Assert.DoesNotContain("time_in_", ReportText.ToCsv(plain), StringComparison.Ordinal);
    }

    [Fact]
    public void Several_edits_in_one_gap_a_close_and_a_reopen_are_recovered_with_esms_times_and_analysts()
    {
        var b = new ScenarioBuilder()
            .Event(2, mrt: "09:00:00.000", created: "09:00:20.000").Poll("09:01")
            // Three edits between two polls: the poll reads only alice's.
            .Edit("09:03:00.000", "bob", "Initial")
            .Edit("09:07:30.000", "carol", "Follow-Up")
            .Edit("09:09:00.001", "alice", "Initial").Poll("09:10")
            .Edit("09:30:00.000", "dave", "Follow-Up", flags: 1).Poll("09:31")
            // Closed by carol, re-opened by bob while reviewed, closed again by alice: one gap.
            .Edit("09:40:00.000", "carol", "Final", flags: 1)
            .Edit("09:45:00.000", "bob", "Follow-Up", flags: 1)
            .Edit("09:50:00.500", "alice", "Closed", flags: 1).Poll("09:55")
            .Expect(Respond, "bob", "09:00:00.000", "09:03:00.000", Recovered, ms: 180_000)
            .Expect(Review, "dave", "09:00:00.000", "09:30:00.000", Observed, ms: 1_800_000)
            .Expect(Close, "carol", "09:30:00.000", "09:40:00.000", Recovered, ms: 600_000)
            // Its end was seen, but its start (the re-open) was read from the audit trail.
            .Expect(Close, "alice", "09:45:00.000", "09:50:00.500", Recovered, ms: 300_500);
        using var run = new ScenarioRun(b.Scenario);
        run.AssertDurations(b.Expected);
    }

    [Fact]
    public void A_reopen_recovered_in_one_poll_makes_the_close_in_a_later_poll_recovered()
    {
        var b = new ScenarioBuilder()
            .Event(8, mrt: "13:00:00.000", created: "13:00:10.000").Poll("13:01")
            .Edit("13:05:00.000", "alice", "Follow-Up", flags: 1).Poll("13:06")
            .Edit("13:20:00.000", "bob", "Final", flags: 1).Poll("13:21")
            // Re-opened by carol while reviewed, then a comment by dave: the poll reads dave's edit.
            .Edit("13:30:00.000", "carol", "Initial", flags: 1)
            .Edit("13:31:00.250", "dave", "Initial", flags: 1).Poll("13:35")
            .Edit("14:00:00.000", "alice", "Closed", flags: 1).Poll("14:01")
            .Expect(Respond, "alice", "13:00:00.000", "13:05:00.000", Observed, ms: 300_000)
            .Expect(Review, "alice", "13:00:00.000", "13:05:00.000", Observed, ms: 300_000)
            .Expect(Close, "bob", "13:05:00.000", "13:20:00.000", Observed, ms: 900_000)
            // The start, kept in the history between the two polls, was read from the audit trail.
            .Expect(Close, "alice", "13:30:00.000", "14:00:00.000", Recovered, ms: 1_800_000);
        using var run = new ScenarioRun(b.Scenario);
        run.AssertDurations(b.Expected);
    }

    [Fact]
    public void Disagreement_1_initial_then_final_and_reviewed_in_one_edit_within_a_gap_agrees_with_the_same_edits_seen()
    {
        // Moved to Initial, then 2.9 s later, in the same gap, set Final + Reviewed in one edit by another analyst.
        var gap = new ScenarioBuilder()
            .Event(3, mrt: "10:00:00.000", created: "10:00:10.000").Poll("10:01")
            .Edit("10:10:00.000", "alice", "Initial")
            .Edit("10:10:02.900", "bob", "Final", flags: 1).Poll("10:12")
            .Expect(Respond, "alice", "10:00:00.000", "10:10:00.000", Recovered, ms: 600_000)
            .Expect(Review, "bob", "10:00:00.000", "10:10:02.900", Inferred, ms: 602_900)
            .Expect(Close, "bob", "10:10:02.900", "10:10:02.900", Inferred, ms: 0);
        var seen = new ScenarioBuilder()
            .Event(3, mrt: "10:00:00.000", created: "10:00:10.000").Poll("10:01")
            .Edit("10:10:00.000", "alice", "Initial").Poll("10:10:01")
            .Edit("10:10:02.900", "bob", "Final", flags: 1).Poll("10:12")
            .Expect(Respond, "alice", "10:00:00.000", "10:10:00.000", Observed, ms: 600_000)
            .Expect(Review, "bob", "10:00:00.000", "10:10:02.900", Observed, ms: 602_900)
            .Expect(Close, "bob", "10:10:02.900", "10:10:02.900", Observed, ms: 0);
        using var gapRun = new ScenarioRun(gap.Scenario);
        using var seenRun = new ScenarioRun(seen.Scenario);
        gapRun.AssertDurations(gap.Expected);
        seenRun.AssertDurations(seen.Expected);
        Assert.DoesNotContain(gapRun.Store.Notes(), n => n.Note == HistoryNote.ClosedWithoutReview);
    }

    [Fact]
    public void Disagreement_2_a_review_set_in_a_gap_by_one_analyst_is_credited_to_the_rows_analyst_and_marked_inferred()
    {
        var b = new ScenarioBuilder()
            .Event(5, mrt: "11:00:00.000", created: "11:00:05.000").Poll("11:01")
            .Edit("11:02:00.000", "alice", "Initial").Poll("11:03")
            // carol sets Reviewed (a flag: not in the audit trail), then bob moves the stage: one gap.
            .Edit("11:10:00.000", "carol", "Initial", flags: 1)
            .Edit("11:11:30.750", "bob", "Follow-Up", flags: 1).Poll("11:15")
            .Edit("12:00:00.000", "dave", "Closed", flags: 1).Poll("12:01")
            .Expect(Respond, "alice", "11:00:00.000", "11:02:00.000", Observed, ms: 120_000)
            .Expect(Review, "bob", "11:00:00.000", "11:11:30.750", Inferred, ms: 690_750)
            // Measured from the inferred review: inferred too, though both its ends were polled rows.
            .Expect(Close, "dave", "11:11:30.750", "12:00:00.000", Inferred, ms: 2_909_250);
        using var run = new ScenarioRun(b.Scenario);
        run.AssertDurations(b.Expected);
    }

    [Fact]
    public void Disagreement_3_a_gap_that_overflows_the_audit_trail_keeps_what_is_certain()
    {
        var b = new ScenarioBuilder()
            .Event(6, mrt: "08:00:00.000", created: "08:00:30.000").Poll("08:01")
            .Edit("08:05:00.000", "alice", "Initial").Poll("08:06")
            .Edit("08:07:00.000", "dave", "Initial", flags: 1).Poll("08:08");
        // 72 edits in one gap: 70 comments in Initial, then Follow-Up and Final. The 2,048-byte
        // column keeps only the newest of them; the oldest kept line is in the recorded stage.
        var t = ScenarioBuilder.At("08:10:00.000");
        for (var i = 0; i < 70; i++)
        {
            b.Edit(t + i * 10_000, i % 2 == 0 ? "bob" : "carol", "Initial", flags: 1);
        }
        b.Edit("08:22:00.000", "bob", "Follow-Up", flags: 1)
            .Edit("08:25:00.000", "carol", "Final", flags: 1).Poll("08:30")
            // Certain before the cut, stored then: stays.
            .Expect(Respond, "alice", "08:00:00.000", "08:05:00.000", Observed, ms: 300_000)
            .Expect(Review, "dave", "08:00:00.000", "08:07:00.000", Observed, ms: 420_000)
            // From the recorded review to the kept close. The lost edits could have re-opened it
            // (which restarts the clock): inferred, not silently exact.
            .Expect(Close, "carol", "08:07:00.000", "08:25:00.000", Inferred, ms: 1_080_000);
        var trail = Scenario.AuditTrailAt(b.Scenario.Events[0], 75);
        Assert.True(AuditTrail.MayBeTruncated(trail));
        Assert.All(AuditTrail.Parse(trail), l => Assert.True(l.TimeMs >= t, "only gap lines are kept"));

        using var run = new ScenarioRun(b.Scenario);
        run.AssertDurations(b.Expected);
        var notes = run.Store.Notes().Select(n => n.Note).ToList();
        Assert.Equal([HistoryNote.TruncatedAuditTrail], notes);
        // The kept stage change is recovered with ESM's time and analyst; the close is the row's own edit.
        Assert.Equal(
            ["08:22:00.000 bob Initial>Follow-Up recovered", "08:25:00.000 carol Follow-Up>Final observed"],
            run.Store.Transitions().Where(x => x.TimeMs > t).Select(x =>
                $"{DateTimeOffset.FromUnixTimeMilliseconds(x.TimeMs):HH:mm:ss.fff} {x.Analyst} {x.FromStage}>{x.ToStage} {(x.FromAuditTrail ? "recovered" : "observed")}"));
        Assert.True(run.Store.Find(6)!.Incomplete);
        // Time in each stage: Initial from 08:05 ran into the cut (a stage change may hide there), Follow-Up did not.
        Assert.Equal(["Follow-Up carol 180000"], run.StageStays());
    }

    [Fact]
    public void Disagreement_3_a_response_that_may_be_among_the_lost_lines_is_not_measured()
    {
        var b = new ScenarioBuilder()
            .Event(7, mrt: "08:00:00.000", created: "08:00:30.000").Poll("08:01")
            // Responded at 08:02 by bob, then 70 comments and a review with a stage change: one gap.
            // bob's line falls off the column: the first kept change is not the response.
            .Edit("08:02:00.000", "bob", "Initial");
        var t = ScenarioBuilder.At("08:10:00.000");
        for (var i = 0; i < 70; i++)
        {
            b.Edit(t + i * 10_000, i % 2 == 0 ? "alice" : "dave", "Initial");
        }
        b.Edit("08:25:00.000", "carol", "Follow-Up", flags: 1).Poll("08:30")
            // Flags are in no audit line, cut or not: credited to the row, inferred, as in any gap.
            .Expect(Review, "carol", "08:00:00.000", "08:25:00.000", Inferred, ms: 1_500_000);
        using var run = new ScenarioRun(b.Scenario);
        run.AssertDurations(b.Expected);
        Assert.True(run.Store.Find(7)!.Responded);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(7)]
    [InlineData(2026)]
    public void A_generated_scenario_at_the_issues_size_matches_the_simple_oracle_to_the_millisecond(int seed)
    {
        var scenario = ScenarioGenerator.Generate(seed);
        var expected = SimpleOracle.Expected(scenario);
        using var run = new ScenarioRun(scenario);
        run.AssertDurations(expected);

        // The scenario is what the issue describes, not a vacuous one.
        var edits = scenario.Events.Sum(e => e.Edits.Count);
        Assert.InRange(edits, 650, 950);
        Assert.Equal(264, scenario.Polls.Count);
        var seen = scenario.SeenVersions();
        var rows = scenario.Rows().SelectMany(r => r).ToList();
        Assert.Equal(seen.Count, rows.Count);
        Assert.True(rows.Count(r => r.Version > 1 && !seen.Contains((r.EventId, r.Version - 2)) && !seen.Contains((r.EventId, r.Version - 1))) >= 10,
            "gaps of several edits");
        foreach (var source in new[] { Observed, Recovered, Inferred })
        {
            Assert.True(expected.Count(d => d.Source == source) >= 10, $"{source} durations");
        }
        foreach (var analyst in ScenarioGenerator.Analysts)
        {
            foreach (var kind in new[] { Respond, Review, Close })
            {
                Assert.Contains(expected, d => d.Analyst == analyst && d.Kind == kind);
            }
        }
        Assert.All(rows, r => Assert.False(AuditTrail.MayBeTruncated(r.AuditTrail)));

        // Exact where the data allows: every observed or recovered figure is also the truth
        // (the same walk with every edit's real flags); only inferred ones may differ from it.
        var truth = ScenarioRun.Lines(SimpleOracle.Expected(scenario, fullKnowledge: true).Select(d => d with { Source = Observed }));
        var exact = ScenarioRun.Lines(expected.Where(d => d.Source != Inferred).Select(d => d with { Source = Observed }));
        Assert.Empty(exact.Except(truth));

        // Time in each stage, from the stored transitions, to the millisecond.
        Assert.True(SimpleOracle.StageStays(scenario).Count >= 100, "stays");
        Assert.Equal(SimpleOracle.StageStays(scenario), run.StageStays());
    }
}
