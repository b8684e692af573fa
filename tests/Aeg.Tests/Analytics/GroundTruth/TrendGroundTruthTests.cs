using System.Globalization;
using Aeg.Analytics;

namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>Trends per analyst per ISO week and load by day of week and hour: hand-computed cases and the generated scenarios against the oracles.</summary>
public sealed class TrendGroundTruthTests
{
    private static long At(int day, string time) => ScenarioBuilder.At(time) + ((day - 2) * 86_400_000L);

    private static Edit E(long id, int version, long time, string analyst, string stage, long flags = 0) => new(id, version, time, analyst, stage, flags);

    // 2026-11-02 is the Monday of ISO week 2026-W45; 2026-11-08 its Sunday; 2026-11-09 the Monday of W46.
    private static Scenario TwoWeeks()
    {
        var s = new Scenario();
        s.Events.Add(new ScenarioEvent(1, At(2, "09:00"), [E(1, 1, At(2, "09:00:10"), "system", "Queued"),
            E(1, 2, At(2, "09:10"), "alice", "Initial"), E(1, 3, At(2, "09:20"), "alice", "Follow-Up", 1), E(1, 4, At(2, "10:20"), "bob", "Closed", 1)]));
        s.Events.Add(new ScenarioEvent(2, At(8, "23:00"), [E(2, 1, At(8, "23:00:10"), "system", "Queued"),
            E(2, 2, At(9, "00:30"), "alice", "Initial"), E(2, 3, At(9, "01:00"), "alice", "Final", 1)]));
        s.Events.Add(new ScenarioEvent(3, At(8, "23:00"), [E(3, 1, At(8, "23:00:20"), "system", "Queued"), E(3, 2, At(8, "23:30"), "carol", "Initial")]));
        // A poll a minute after every edit: all observed.
        s.Polls.AddRange(s.Events.SelectMany(e => e.Edits).Select(x => x.TimeMs + 60_000));
        return s;
    }

    private static readonly AnalyticsOptions WithRespondTarget = new() { Sla = new SlaOptions { Respond = TimeSpan.FromHours(1) } };

    private static AnalystReport Report(ScenarioRun run) => AnalystReport.Build(run.Store, DateTimeOffset.FromUnixTimeMilliseconds(At(1, "00:00")),
        DateTimeOffset.FromUnixTimeMilliseconds(At(16, "00:00")), options: WithRespondTarget);

    private static string Line(WeeklyFigures w) => string.Join(" ", new object?[] { w.Week, w.WeekStart, w.Analyst, w.Actions,
        w.RespondCount, w.RespondMeanSeconds, w.RespondBreaches ?? -1, w.ReviewCount, w.ReviewMeanSeconds, w.ReviewBreaches ?? -1,
        w.CloseCount, w.CloseMeanSeconds, w.CloseBreaches ?? -1 }.Select(x => x is null ? "-" : Convert.ToString(x, CultureInfo.InvariantCulture)));

    [Fact]
    public void Weeks_are_iso_weeks_in_utc_and_each_analyst_has_actions_counts_means_and_breaches()
    {
        using var run = new ScenarioRun(TwoWeeks());
        var m = Report(run).Management!;

        Assert.Equal([
            // alice: 10m response, 20m review; carol's Sunday-night response belongs to the week of the Monday before.
            "2026-W45 2026-11-02 alice 2 1 600 0 1 1200 -1 0 - -1",
            "2026-W45 2026-11-02 bob 1 0 - 0 0 - -1 1 3600 -1",
            "2026-W45 2026-11-02 carol 1 1 1800 0 0 - -1 0 - -1",
            // alice: 1h30 response (over the 1h target), 2h review, a 0 s close (reviewed in the closing edit).
            "2026-W46 2026-11-09 alice 2 1 5400 1 1 7200 -1 1 0 -1"],
            m.Weekly.Select(Line));
    }

    [Fact]
    public void Load_counts_stage_changes_by_iso_day_of_week_and_utc_hour()
    {
        using var run = new ScenarioRun(TwoWeeks());
        var load = Report(run).Management!.Load;

        Assert.Equal([1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], load.DayHour[0]);
        Assert.Equal(1, load.DayHour[6][23]);
        Assert.Equal(6, load.DayHour.Sum(h => h.Sum()));
        Assert.Equal(["alice 4 0 0 0 0 0 0", "bob 1 0 0 0 0 0 0", "carol 0 0 0 0 0 0 1"],
            load.Analysts.Select(a => a.Analyst + " " + string.Join(" ", a.ByDay)));
        Assert.Equal(2, load.Analysts.Single(a => a.Analyst == "alice").ByHour[9]);
    }

    [Fact]
    public void Trends_and_load_are_in_the_table_csv_json_and_html()
    {
        using var run = new ScenarioRun(TwoWeeks());
        var report = Report(run);
        var table = ReportText.ToTable(report);
        Assert.Matches(@"(?m)^2026-W46\s+alice\s+2\s+1\s+1h 30m\s+1\s+1\s+2h 00m\s+-\s+1\s+0s\s+-\s*$", table);
        Assert.Matches(@"(?m)^Mon\s+1\s+1(\s+0){7}\s+2\s+1(\s+0){13}\s+5\s*$", table);
        var csv = ReportText.ToCsv(report).Split("\r\n");
        var at = Array.IndexOf(csv, "week,week_start,analyst,actions,respond_count,respond_mean_seconds,respond_breaches,review_count,review_mean_seconds,review_breaches,close_count,close_mean_seconds,close_breaches");
        Assert.Equal("2026-W46,2026-11-09,alice,2,1,5400,1,1,7200,,1,0,", csv[at + 4]);
        at = Array.IndexOf(csv, "load_analyst_by_day,mon,tue,wed,thu,fri,sat,sun");
        Assert.Equal("carol,0,0,0,0,0,0,1", csv[at + 3]);
        using var json = System.Text.Json.JsonDocument.Parse(ReportText.ToJson(report));
        Assert.Equal(4, json.RootElement.GetProperty("management").GetProperty("weekly").GetArrayLength());
        Assert.Equal(2, json.RootElement.GetProperty("management").GetProperty("load").GetProperty("dayHour")[0][9].GetInt32());
        var html = ReportHtml.Render(report);
        Assert.Contains("<td>2026-W46</td><td>alice</td><td>2</td><td>1</td><td>1h 30m</td><td>1</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td style=\"background:rgba(78,121,167,0.85)\">2</td>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(7)]
    [InlineData(2026)]
    public void Trends_and_load_of_a_generated_scenario_match_the_oracles(int seed)
    {
        var scenario = ScenarioGenerator.Generate(seed);
        using var run = new ScenarioRun(scenario);
        var from = DateTimeOffset.FromUnixTimeMilliseconds(scenario.Polls.Min()).AddDays(-7);
        var report = AnalystReport.Build(run.Store, from, from.AddDays(21), options: WithRespondTarget);
        var m = report.Management!;

        static string Week(long ms) => ISOWeek.GetYear(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime) + "-W"
            + ISOWeek.GetWeekOfYear(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime).ToString("00", CultureInfo.InvariantCulture);
        var durations = SimpleOracle.Expected(scenario);
        var actions = ManagementOracle.Actions(scenario);
        var keys = durations.Select(d => (Week: Week(d.EndMs), d.Analyst)).Concat(actions.Select(a => (Week: Week(a.TimeMs), a.Analyst))).Distinct()
            .OrderBy(k => k.Week, StringComparer.Ordinal).ThenBy(k => k.Analyst, StringComparer.Ordinal);
        var expected = keys.Select(k =>
        {
            var mine = durations.Where(d => Week(d.EndMs) == k.Week && d.Analyst == k.Analyst).ToList();
            string Of(DurationKind kind, bool breaches)
            {
                var l = mine.Where(d => d.Kind == kind).ToList();
                var mean = l.Count == 0 ? "-" : (l.Sum(d => d.EndMs - d.StartMs) / 1000.0 / l.Count).ToString("R", CultureInfo.InvariantCulture);
                return $"{l.Count} {mean} {(breaches ? l.Count(d => d.EndMs - d.StartMs > 3_600_000) : -1)}";
            }
            return $"{k.Week} {k.Analyst} {actions.Count(a => Week(a.TimeMs) == k.Week && a.Analyst == k.Analyst)} "
                + $"{Of(DurationKind.Respond, true)} {Of(DurationKind.Review, false)} {Of(DurationKind.Close, false)}";
        }).ToList();
        Assert.Equal(expected, m.Weekly.Select(w => string.Join(" ", new object?[] { w.Week, w.Analyst, w.Actions,
            w.RespondCount, w.RespondMeanSeconds?.ToString("R", CultureInfo.InvariantCulture) ?? "-", w.RespondBreaches ?? -1,
            w.ReviewCount, w.ReviewMeanSeconds?.ToString("R", CultureInfo.InvariantCulture) ?? "-", w.ReviewBreaches ?? -1,
            w.CloseCount, w.CloseMeanSeconds?.ToString("R", CultureInfo.InvariantCulture) ?? "-", w.CloseBreaches ?? -1 })));

        foreach (var a in ScenarioGenerator.Analysts)
        {
            var byHour = new int[24];
            foreach (var x in actions.Where(x => x.Analyst == a))
            {
                byHour[DateTimeOffset.FromUnixTimeMilliseconds(x.TimeMs).UtcDateTime.Hour]++;
            }
            Assert.Equal(byHour, m.Load.Analysts.Single(l => l.Analyst == a).ByHour);
        }
        Assert.Equal(actions.Count, m.Load.DayHour.Sum(h => h.Sum()));
        Assert.True(actions.Count > 400, $"only {actions.Count} actions");
    }
}
