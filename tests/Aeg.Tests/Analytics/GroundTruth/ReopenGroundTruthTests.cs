using Aeg.Analytics;

namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>Re-open rate per analyst and detection to close: hand-computed cases and the generated scenarios against <see cref="ManagementOracle"/>.</summary>
public sealed class ReopenGroundTruthTests
{
    private static readonly string[] Finals = Scenario.FinalStages;

    // E1 closed by bob, re-opened by carol, closed by carol, re-opened by bob at 11:00; E2 closed by
    // alice (no review) then moved Final → Closed (not a close), re-opened by dave; E4 closed,
    // re-opened and closed again between two polls (recovered from the audit trail).
    private static Scenario Closing() => new ScenarioBuilder()
        .Event(1, mrt: "08:00", created: "08:00:10").Poll("08:01")
        .Edit("08:10", "alice", "Initial").Poll("08:11")
        .Edit("08:20", "alice", "Follow-Up", flags: 1).Poll("08:21")
        .Edit("09:00", "bob", "Final", flags: 1).Poll("09:01")
        .Edit("09:30", "carol", "Follow-Up", flags: 1).Poll("09:31")
        .Edit("10:00", "carol", "Closed", flags: 1).Poll("10:01")
        .Edit("11:00", "bob", "Initial", flags: 1).Poll("11:01")
        .Event(2, mrt: "07:00", created: "07:00:10").Poll("07:01")
        .Edit("07:30", "alice", "Final").Poll("07:31")
        .Edit("08:00:30", "alice", "Closed").Poll("08:02")
        .Edit("10:15", "dave", "Initial").Poll("10:16")
        .Event(4, mrt: "09:00", created: "09:00:05").Poll("09:02")
        .Edit("09:10", "carol", "Initial")
        .Edit("09:20", "carol", "Final", flags: 1)
        .Edit("09:25", "dave", "Follow-Up", flags: 1)
        .Edit("09:28", "dave", "Closed", flags: 1).Poll("09:30")
        .Scenario;

    private static AnalystReport Report(ScenarioRun run, string from, string to) => AnalystReport.Build(run.Store,
        DateTimeOffset.FromUnixTimeMilliseconds(ScenarioBuilder.At(from)), DateTimeOffset.FromUnixTimeMilliseconds(ScenarioBuilder.At(to)), options: Scenario.Options());

    private static string Line(ReopenFigures a) => $"{a.Analyst} {a.Closes} {a.Reopens} {a.ReopenRate?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}";

    [Fact]
    public void Reopens_are_charged_to_the_analyst_whose_close_they_undid_and_detection_to_close_runs_to_the_final_close()
    {
        using var run = new ScenarioRun(Closing());
        var m = Report(run, "00:00", "10:30").Management!;

        // Closes: alice E2 07:30, bob E1 09:00, carol E4 09:20 (recovered) and E1 10:00, dave E4 09:28.
        // Re-opens: E1 09:30 undoes bob's, E4 09:25 carol's, E2 10:15 alice's.
        Assert.Equal(["alice 1 1 1", "bob 1 1 1", "carol 2 1 0.5", "dave 1 0 0"], m.Reopens.Analysts.Select(Line));
        Assert.Equal((5, 3, 0, 0.6), (m.Reopens.Closes, m.Reopens.Reopens, m.Reopens.Unattributed, m.Reopens.ReopenRate!.Value));
        // E1: 08:00 → carol's close at 10:00, through bob's close and carol's re-open; E4: 09:00 → 09:28; E2 is open at the end.
        Assert.Equal(["carol 1 7200", "dave 1 1680"], m.DetectionToClose.Analysts.Select(a => $"{a.Analyst} {a.Time.Count} {a.Time.MedianSeconds}"));
        Assert.Equal(new DurationStats(2, 4440, 6648, 4440), m.DetectionToClose.All);

        // A later period: E2's re-open at 10:15 is charged to alice's close at 07:30, before the period.
        var later = Report(run, "09:45", "12:00").Management!;
        Assert.Equal(["alice 0 1 -", "carol 1 1 1"], later.Reopens.Analysts.Select(Line));
        Assert.Equal(0, later.DetectionToClose.All.Count);
    }

    [Fact]
    public void Reopens_and_detection_to_close_are_in_the_table_csv_json_and_html()
    {
        using var run = new ScenarioRun(Closing());
        var report = Report(run, "00:00", "10:30");
        var table = ReportText.ToTable(report);
        Assert.Contains("5 closes, 3 re-opens (60.0%)", table, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^carol\s+2\s+1\s+50\.0%\s*$", table);
        Assert.Matches(@"(?m)^\(all\)\s+2\s+1h 14m\s+1h 50m\s+1h 14m\s*$", table);
        var csv = ReportText.ToCsv(report).Split("\r\n");
        var at = Array.IndexOf(csv, "reopen_analyst,closes,reopens,reopen_rate");
        Assert.Equal(["alice,1,1,1", "bob,1,1,1", "carol,2,1,0.5", "dave,1,0,0", "(all),5,3,0.6"], csv[(at + 1)..(at + 6)]);
        at = Array.IndexOf(csv, "detection_to_close_analyst,count,median_seconds,p90_seconds,mean_seconds");
        Assert.Equal("(all),2,4440,6648,4440", csv[at + 3]);
        using var json = System.Text.Json.JsonDocument.Parse(ReportText.ToJson(report));
        Assert.Equal(3, json.RootElement.GetProperty("management").GetProperty("reopens").GetProperty("reopens").GetInt32());
        Assert.Equal(4440, json.RootElement.GetProperty("management").GetProperty("detectionToClose").GetProperty("all").GetProperty("medianSeconds").GetDouble());
        var html = ReportHtml.Render(report);
        Assert.Contains("<tr><td>carol</td><td>2</td><td>1</td><td>50.0%</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>carol</td><td>1</td><td>2h 00m</td><td>2h 00m</td><td>2h 00m</td></tr>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(7)]
    [InlineData(2026)]
    public void Reopens_and_detection_to_close_of_a_generated_scenario_match_the_oracle(int seed)
    {
        var scenario = ScenarioGenerator.Generate(seed);
        using var run = new ScenarioRun(scenario);
        var start = scenario.Polls.Min() - (6 * 60_000);
        var end = scenario.Polls.Max() + 3_600_000;
        var reopensSeen = 0;
        // The whole scenario, then 4-hour windows (closes undone by re-opens in a later window).
        foreach (var (from, to) in new[] { (start, end) }.Concat(Enumerable.Range(0, 8).Select(i => (start + (i * 4 * 3_600_000L), start + ((i + 1) * 4 * 3_600_000L)))))
        {
            var (closes, charged, d2c) = ManagementOracle.Closing(scenario, from, to);
            Assert.Equal(closes.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"),
                run.Store.ClosesPerAnalyst(from, to, Finals).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
            Assert.Equal(charged.Select(c => c ?? "-").Order(StringComparer.Ordinal), run.Store.Reopens(from, to, Finals).Select(r => r.ChargedTo ?? "-").Order(StringComparer.Ordinal));
            var got = new List<string>();
            run.Store.ReadDetectionToClose(from, to, Finals, (analyst, ms) => got.Add($"{analyst} {ms}"));
            Assert.Equal(d2c.Select(l => l[(l.IndexOf(' ') + 1)..]).Order(StringComparer.Ordinal), got.Order(StringComparer.Ordinal));
            reopensSeen += charged.Count;
        }
        Assert.True(reopensSeen > 20, $"only {reopensSeen} re-opens checked");
    }
}
