using System.Globalization;
using Aeg.Analytics;
using Aeg.Configuration;
using Aeg.Metrics;
using Aeg.Tests.Analytics.GroundTruth;
using Aeg.Tests.Configuration;

namespace Aeg.Tests.Analytics;

/// <summary><c>analytics.sla</c>: targets read and validated at start, breaches in every format of <c>aeg report</c> and as a counter.</summary>
public sealed class SlaTests
{
    private const string Base = "database: { host: db, user: u, passwordEnv: P }\nsyslog: { host: h }\n";

    [Fact]
    public void Targets_are_read_as_durations_per_measure_and_stage_and_validated_with_file_key_and_reason()
    {
        using var folder = new ConfigFolder();
        var sla = folder.Load(Base + "analytics:\n  sla:\n    respond: 15m\n    close: 8h\n    stages: { Queued: 30m, follow-up: 2h }\n").Analytics.Sla!;
        Assert.Equal((TimeSpan.FromMinutes(15), (TimeSpan?)null, TimeSpan.FromHours(8)), (sla.Respond!.Value, sla.Review, sla.Close!.Value));
        Assert.Equal(TimeSpan.FromMinutes(30), sla.StageTarget("queued"));
        Assert.Equal(TimeSpan.FromHours(2), sla.StageTarget("Follow-Up"));
        Assert.Null(sla.StageTarget("Initial"));
        Assert.False(folder.Load(Base).Analytics.Sla!.Any);

        var ex = Assert.Throws<ConfigException>(() => folder.Load(Base + "analytics: { sla: { respond: 0s, stages: { Closed: 1h, '': 5m } } }"));
        Assert.Contains(folder.File("aeg.yaml"), ex.Message, StringComparison.Ordinal);
        Assert.Equal(["analytics.sla.respond", "analytics.sla.stages.Closed", "analytics.sla.stages"], ex.Problems.Select(p => p.Key));
        Assert.Contains("longer than 0", ex.Problems[0].Reason, StringComparison.Ordinal);
        Assert.Contains("is a final stage", ex.Problems[1].Reason, StringComparison.Ordinal);

        var unit = Assert.ThrowsAny<Exception>(() => folder.Load(Base + "analytics: { sla: { close: 8 hours } }"));
        Assert.Contains("'8 hours' is not a duration", unit.Message, StringComparison.Ordinal);
    }

    // Three events with hand-picked lengths: responds 10m (alice), 15m exactly (bob: not a breach), 20m (alice);
    // closes 7h (carol), 9h (carol).
    private static Scenario Scenario3()
    {
        var b = new ScenarioBuilder()
            .Event(1, mrt: "01:00", created: "01:00:10").Poll("01:01")
            .Edit("01:10", "alice", "Initial").Poll("01:11")
            .Edit("01:30", "alice", "Follow-Up", flags: 1).Poll("01:31")
            .Edit("08:30", "carol", "Closed", flags: 1).Poll("08:31")
            .Event(2, mrt: "02:00", created: "02:00:10").Poll("02:01")
            .Edit("02:15", "bob", "Initial").Poll("02:16")
            .Edit("02:20", "bob", "Follow-Up", flags: 1).Poll("02:21")
            .Edit("11:20", "carol", "Final", flags: 1).Poll("11:21")
            .Event(3, mrt: "03:00", created: "03:00:10").Poll("03:01")
            .Edit("03:20", "alice", "Initial").Poll("03:21");
        return b.Scenario;
    }

    private static readonly AnalyticsOptions Options = new() { Sla = new SlaOptions { Respond = TimeSpan.FromMinutes(15), Close = TimeSpan.FromHours(8), Stages = new() { ["Initial"] = TimeSpan.FromMinutes(10) } } };

    [Fact]
    public void Breaches_and_rates_per_analyst_are_in_the_table_csv_json_and_html()
    {
        using var run = new ScenarioRun(Scenario3());
        var from = DateTimeOffset.FromUnixTimeMilliseconds(ScenarioBuilder.At("00:00"));
        var report = AnalystReport.Build(run.Store, from, from.AddDays(1), options: Options, stageTimes: true);
        var m = report.Management!;

        string Line(SlaFigures x) => $"{x.Measure} {x.Analyst ?? "(all)"} {x.Count} {x.Breaches} {x.BreachRate?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-"}";
        // Stays in Initial: alice 20m (event 1) breaches 10m, bob 5m (event 2) does not.
        Assert.Equal(["respond alice 2 1 0.5", "respond bob 1 0 0", "close carol 2 1 0.5", "stage Initial alice 1 1 1", "stage Initial bob 1 0 0"], m.Sla.Select(Line));
        Assert.Equal(["respond (all) 3 1 0.333", "close (all) 2 1 0.5", "stage Initial (all) 2 1 0.5"], m.SlaTotals.Select(Line));

        var table = ReportText.ToTable(report);
        Assert.Matches(@"(?m)^respond\s+15m 00s\s+alice\s+2\s+1\s+50\.0%\s*$", table);
        Assert.Matches(@"(?m)^close\s+8h 00m\s+\(all\)\s+2\s+1\s+50\.0%\s*$", table);
        var csv = ReportText.ToCsv(report).Split("\r\n");
        var at = Array.IndexOf(csv, "sla_measure,target_seconds,analyst,count,breaches,breach_rate");
        Assert.Equal("respond,900,alice,2,1,0.5", csv[at + 1]);
        Assert.Equal("close,28800,(all),2,1,0.5", csv[at + 5]);
        using var json = System.Text.Json.JsonDocument.Parse(ReportText.ToJson(report));
        Assert.Equal(3, json.RootElement.GetProperty("management").GetProperty("slaTotals")[0].GetProperty("count").GetInt32());
        Assert.Contains("<td>close</td><td>8h 00m</td><td>carol</td><td>2</td><td>1</td><td>50.0%</td>", ReportHtml.Render(report), StringComparison.Ordinal);

        // Without targets there is no SLA section; without --stage-times no stage rows.
        var plain = AnalystReport.Build(run.Store, from, from.AddDays(1));
        Assert.Empty(plain.Management!.SlaTotals);
        Assert.DoesNotContain("SLA targets", ReportText.ToTable(plain), StringComparison.Ordinal);
        Assert.DoesNotContain(AnalystReport.Build(run.Store, from, from.AddDays(1), options: Options).Management!.SlaTotals, t => t.Measure.StartsWith("stage", StringComparison.Ordinal));
    }

    [Fact]
    public void The_breach_counter_counts_durations_longer_than_their_target_per_analyst_and_measure()
    {
        using var run = new ScenarioRun(Scenario3());
        var histograms = new AnalystHistograms { Breaches = new SlaBreachCounters(Options.Sla!) };
        foreach (var d in run.Store.Durations())
        {
            histograms.Observe(d);
        }
        var text = new StringWriter();
        histograms.WriteTo(new PrometheusTextWriter(text));
        var lines = text.ToString().Split('\n');
        Assert.Contains("# TYPE aeg_analyst_sla_breaches_total counter", lines);
        Assert.Contains("aeg_analyst_sla_breaches_total{analyst=\"alice\",measure=\"respond\"} 1", lines);
        Assert.Contains("aeg_analyst_sla_breaches_total{analyst=\"carol\",measure=\"close\"} 1", lines);
        // bob's 15m response is on the target, not over it; no review target.
        Assert.DoesNotContain(lines, l => l.Contains("analyst=\"bob\"", StringComparison.Ordinal) && l.StartsWith("aeg_analyst_sla", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("measure=\"review\"", StringComparison.Ordinal));

        // Without targets the family is not written.
        var none = new StringWriter();
        new AnalystHistograms().WriteTo(new PrometheusTextWriter(none));
        Assert.DoesNotContain("aeg_analyst_sla_breaches_total", none.ToString(), StringComparison.Ordinal);
    }
}
