using Aeg.Analytics;

namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>
/// The manager's figures of <c>aeg report</c> (issue 20 item 4) on hand-written scenarios with
/// hand-computed expectations, and on the generated scenarios against <see cref="ManagementOracle"/>.
/// </summary>
public sealed class ManagementGroundTruthTests
{
    private static readonly string[] Finals = Scenario.FinalStages;

    // E1 never touched; E2 responded, closed, re-opened; E3 responded and closed between two polls
    // (recovered from its audit trail); E4 responded late.
    private static ScenarioBuilder Backlog() => new ScenarioBuilder()
        .Event(4, mrt: "07:00", created: "07:00:10").Poll("07:01")
        .Event(1, mrt: "08:00", created: "08:00:30").Poll("08:01")
        .Event(2, mrt: "08:30", created: "08:30:10").Poll("08:31")
        .Edit("09:00", "alice", "Initial").Poll("09:01")
        .Event(3, mrt: "09:00", created: "09:00:05")
        .Edit("09:20", "carol", "Initial")
        .Edit("09:25", "carol", "Closed", flags: 1).Poll("09:30");

    private static Scenario BacklogScenario()
    {
        // ScenarioBuilder appends to the current event; the edits of E2 after 09:00 are added directly.
        var s = Backlog().Scenario;
        var e2 = s.Events.Single(e => e.EventId == 2);
        e2.Edits.Add(new Edit(2, 3, ScenarioBuilder.At("10:00"), "bob", "Final", 1));
        e2.Edits.Add(new Edit(2, 4, ScenarioBuilder.At("11:00"), "dave", "Follow-Up", 1));
        var e4 = s.Events.Single(e => e.EventId == 4);
        e4.Edits.Add(new Edit(4, 2, ScenarioBuilder.At("11:30"), "alice", "Follow-Up", 0));
        s.Polls.AddRange([ScenarioBuilder.At("10:01"), ScenarioBuilder.At("11:01"), ScenarioBuilder.At("11:31")]);
        return s;
    }

    private static OpenBacklog BacklogAt(ScenarioRun run, string at, int listSize = 10) =>
        run.Store.ReadBacklog(ScenarioBuilder.At(at), Scenario.Initial, Finals, listSize);

    private static string Line(BacklogEvent e) => $"{e.EventId} {e.Stage} {(long)Math.Round(e.AgeSeconds * 1000)} {e.LastAnalyst ?? "-"}";

    [Fact]
    public void The_backlog_at_the_end_counts_open_events_by_age_band_and_lists_the_oldest()
    {
        using var run = new ScenarioRun(BacklogScenario());
        var b = BacklogAt(run, "12:00");

        // E1 4h (exactly a bound: the band above), E4 5h, E2 3h30; E3 is closed.
        Assert.Equal((3, 1, 0), (b.Open, b.Untouched, b.OpenWithoutMrt));
        Assert.Equal(["< 1h 0 0", "1h–4h 1 0", "4h–24h 2 1", "1d–3d 0 0", "3d–7d 0 0", "≥ 7d 0 0"], b.Bands.Select(x => $"{x.Label} {x.Open} {x.Untouched}"));
        Assert.Equal(["4 Follow-Up 18000000 alice", "1 Queued 14400000 -", "2 Follow-Up 12600000 dave"], b.OldestOpen.Select(Line));
        Assert.Equal(["1 Queued 14400000 -"], b.OldestUntouched.Select(Line));
    }

    [Fact]
    public void The_backlog_of_a_past_end_is_the_state_then_read_back_from_later_transitions()
    {
        using var run = new ScenarioRun(BacklogScenario());

        // At 09:10: E2 in Initial (alice, 40m); E3 and E4 still in Queued (their responses came later); E1 untouched.
        var b = BacklogAt(run, "09:10", listSize: 3);
        Assert.Equal((4, 3), (b.Open, b.Untouched));
        Assert.Equal(["< 1h 2 1", "1h–4h 2 2"], b.Bands.Where(x => x.Open > 0).Select(x => $"{x.Label} {x.Open} {x.Untouched}"));
        Assert.Equal(["4 Queued 7800000 -", "1 Queued 4200000 -", "2 Initial 2400000 alice"], b.OldestOpen.Select(Line));
        Assert.Equal(["4 Queued 7800000 -", "1 Queued 4200000 -", "3 Queued 600000 -"], b.OldestUntouched.Select(Line));

        // At 10:30 E2 is closed (re-opened at 11:00) and E3 too: E1 and E4 remain, both untouched.
        var later = BacklogAt(run, "10:30");
        Assert.Equal(["4 Queued 12600000 -", "1 Queued 9000000 -"], later.OldestOpen.Select(Line));
        Assert.Equal(2, later.Untouched);

        // Before any MRT: nothing.
        Assert.Equal(0, BacklogAt(run, "06:00").Open);
    }

    [Fact]
    public void The_backlog_is_in_the_table_csv_json_and_html_of_aeg_report()
    {
        using var run = new ScenarioRun(BacklogScenario());
        var report = AnalystReport.Build(run.Store, DateTimeOffset.FromUnixTimeMilliseconds(ScenarioBuilder.At("00:00")),
            DateTimeOffset.FromUnixTimeMilliseconds(ScenarioBuilder.At("12:00")), options: Scenario.Options(), listSize: 2);

        var table = ReportText.ToTable(report);
        Assert.Contains("Open backlog at 2026-11-02T12:00:00Z (not in a final stage; age from the event's MRT): 3 open, 1 untouched", table, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^4h–24h\s+2\s+1\s*$", table);
        Assert.Matches(@"(?m)^4\s+Follow-Up\s+5h 00m\s+alice\s*$", table);

        var csv = ReportText.ToCsv(report).Split("\r\n");
        var bands = Array.IndexOf(csv, "backlog_age_band,from_seconds,to_seconds,open,untouched");
        Assert.True(bands > 0 && csv[bands - 1] == "", "the backlog block follows a blank line");
        Assert.Equal("4h–24h,14400,86400,2,1", csv[bands + 3]);
        Assert.Equal("≥ 7d,604800,,0,0", csv[bands + 6]);
        var oldest = Array.IndexOf(csv, "oldest_open_event_id,stage,age_seconds,last_analyst");
        Assert.Equal(["4,Follow-Up,18000,alice", "1,Queued,14400,"], csv[(oldest + 1)..(oldest + 3)]);

        using var json = System.Text.Json.JsonDocument.Parse(ReportText.ToJson(report));
        var backlog = json.RootElement.GetProperty("management").GetProperty("backlog");
        Assert.Equal(3, backlog.GetProperty("open").GetInt32());
        Assert.Equal(4, backlog.GetProperty("oldestOpen")[0].GetProperty("eventId").GetInt64());
        Assert.Equal(18000, backlog.GetProperty("oldestOpen")[0].GetProperty("ageSeconds").GetDouble());

        var html = ReportHtml.Render(report);
        Assert.Contains("<h2 id=\"backlog\">Open backlog at 2026-11-02T12:00:00Z</h2>", html, StringComparison.Ordinal);
        Assert.Matches("<table class=\"m\" id=\"oldest-open\">.*<td>4</td><td>Follow-Up</td><td>5h 00m</td><td>alice</td>", html.ReplaceLineEndings(""));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(7)]
    [InlineData(2026)]
    public void The_backlog_of_a_generated_scenario_matches_the_oracle_at_every_second_hour(int seed)
    {
        var scenario = ScenarioGenerator.Generate(seed);
        using var run = new ScenarioRun(scenario);
        var start = scenario.Polls.Min() - (6 * 60_000);
        var checkedOpen = 0;
        for (var at = start; at <= scenario.Polls.Max() + 3_600_000; at += 2 * 3_600_000)
        {
            var expected = ManagementOracle.OpenAt(scenario, at);
            var got = run.Store.ReadBacklog(at, Scenario.Initial, Finals, listSize: 10_000);
            Assert.Equal(expected.Select(o => $"{o.EventId} {o.Stage} {o.AgeMs} {o.LastAnalyst ?? "-"}"), got.OldestOpen.Select(Line));
            Assert.Equal(expected.Where(o => o.Untouched).Select(o => $"{o.EventId} {o.Stage} {o.AgeMs} -"), got.OldestUntouched.Select(Line));
            for (var band = 0; band < got.Bands.Count; band++)
            {
                Assert.Equal(expected.Count(o => AnalyticsStore.BandOf(o.AgeMs) == band), got.Bands[band].Open);
            }
            checkedOpen += expected.Count;
        }
        // The scenario must exercise the check: open events at most of the times looked at.
        Assert.True(checkedOpen > 200, $"only {checkedOpen} open events checked");
    }
}
