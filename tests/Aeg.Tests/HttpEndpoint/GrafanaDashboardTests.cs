using System.Text.Json;
using System.Text.RegularExpressions;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.HttpEndpoint;
using Aeg.Rules;
using Aeg.State;
using Aeg.Tests.Rules;

namespace Aeg.Tests.HttpEndpoint;

/// <summary>content/grafana/aeg-dashboard.json draws the metrics a running host really serves, and every one of them.</summary>
public sealed partial class GrafanaDashboardTests
{
    private static readonly string[] AnalystHistograms =
        ["aeg_analyst_time_to_respond_seconds", "aeg_analyst_time_to_review_seconds", "aeg_analyst_time_to_close_seconds"];

    [Fact]
    public async Task Every_metric_the_dashboard_queries_is_served_and_every_served_metric_is_drawn()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(TestServices.RepoFile("content/grafana/aeg-dashboard.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        var expressions = panels.Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!)).ToList();
        Assert.NotEmpty(expressions);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        Assert.All(panels, p =>
        {
            var grid = p.GetProperty("gridPos");
            Assert.True(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32() <= 24, p.GetProperty("title").GetString());
        });

        var served = await ServedFamiliesAsync();
        var queried = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();
        foreach (var name in queried)
        {
            var family = Regex.Replace(name, "_(bucket|count|sum)$", "");
            Assert.True(served.Contains(name) || AnalystHistograms.Contains(family), $"the dashboard queries {name}, which no source serves");
        }
        foreach (var family in served)
        {
            Assert.True(queried.Contains(family), $"{family} is served but not drawn");
        }
        foreach (var histogram in AnalystHistograms)
        {
            Assert.Contains(expressions, e => e.Contains($"histogram_quantile(0.5, sum by (analyst, le) (rate({histogram}_bucket", StringComparison.Ordinal));
            Assert.Contains(expressions, e => e.Contains($"histogram_quantile(0.9, sum by (analyst, le) (rate({histogram}_bucket", StringComparison.Ordinal));
        }
    }

    // The families of a host with every part: poller, syslog sender, listener and tickets.
    private static async Task<HashSet<string>> ServedFamiliesAsync()
    {
        using var files = new RuleTestFiles();
        var config = files.WriteListenerConfig();
        var options = AegConfig.Load(config);
        await using var pipeline = CefTicketPipeline.Create(options, config, new Serilog.LoggerConfiguration().CreateLogger());
        await pipeline.StartAsync();
        var sender = new RecordingSyslogSender();
        // Never initialised or polled: only its counters are read.
        await using var poller = new AnnotationPoller(new AnnotationSource(new AnnotationDatabase(options.Database, ""), options.Source),
            new AnnotationMapper(RepoMappings.Load(), options.Syslog, "aeg-test"), sender, new AnnotationStateFile(options.State.Directory),
            options.Poller, new Serilog.LoggerConfiguration().CreateLogger());
        var text = new StringWriter();
        var writer = new Aeg.Metrics.PrometheusTextWriter(text);
        foreach (var source in DaemonTelemetry.MetricsSources(new DaemonParts(poller, sender, pipeline)))
        {
            source.WriteTo(writer);
        }
        return PrometheusTextParser.Parse(text.ToString()).Families.Keys.ToHashSet();
    }

    [GeneratedRegex(@"\baeg_[a-z_]+")]
    private static partial Regex MetricName();
}
