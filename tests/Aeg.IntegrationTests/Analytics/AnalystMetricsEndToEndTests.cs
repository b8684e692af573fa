using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.Daemon;
using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Metrics;

namespace Aeg.IntegrationTests.Analytics;

/// <summary>
/// Scripted analysts annotate events in the real MariaDB; the real poller (built by
/// <see cref="AegHost"/> from an aeg.yaml, as <c>aeg poll --once</c> does) reads them; then
/// <c>aeg report</c> as a process must give exactly the figures the script implies, and the
/// HTML page must draw its charts in headless Chromium.
/// </summary>
public sealed partial class AnalystMetricsEndToEndTests
{
    private const string PasswordVariable = "AEG_METRICS_E2E_DB_PASSWORD";
    private static readonly TimeSpan ProcessDeadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Aeg_report_gives_the_scripted_per_analyst_figures_and_metrics_show_the_same_counts()
    {
        await using var h = await PollerHarness.CreateAsync();
        var script = new AnalystScript();
        var config = WriteConfig(h);
        Environment.SetEnvironmentVariable(PasswordVariable, h.Db.Password);
        var host = AegHost.Load(config, new Serilog.LoggerConfiguration().CreateLogger());
        var sender = new RecordingSyslogSender();
        await using var poller = host.CreatePoller(sender);
        poller.Initialize();
        Assert.NotNull(host.Analytics);

        var visible = await PlayAsync(h.Db, script, async () => await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(visible, sender.Flushed.Count);
        Assert.Equal(0, host.Analytics!.Histograms.Counters.RecordFailures);

        var (exit, json, stderr) = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-09-30", "--to", "2026-10-10T00:00:00Z", "--format", "json"]);
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(json);
        var analysts = doc.RootElement.GetProperty("analysts").EnumerateArray().ToDictionary(a => a.GetProperty("analyst").GetString()!);

        var expected = script.ExpectedDurations();
        Assert.Equal(expected.Keys.Select(k => k.Analyst).Distinct().Order(), analysts.Keys.Order());
        foreach (var (name, a) in analysts)
        {
            foreach (var (kind, property) in new[] { ("respond", "timeToRespond"), ("review", "timeToReview"), ("close", "timeToClose") })
            {
                var stats = a.GetProperty(property);
                var values = expected.GetValueOrDefault((kind, name)) ?? [];
                Assert.Equal(values.Count, stats.GetProperty("count").GetInt32());
                if (values.Count == 0)
                {
                    Assert.Equal(JsonValueKind.Null, stats.GetProperty("medianSeconds").ValueKind);
                    continue;
                }
                Assert.Equal(AnalystScript.Quantile(values, 0.5), stats.GetProperty("medianSeconds").GetDouble(), 6);
                Assert.Equal(AnalystScript.Quantile(values, 0.9), stats.GetProperty("p90Seconds").GetDouble(), 6);
                Assert.Equal(values.Average(), stats.GetProperty("meanSeconds").GetDouble(), 6);
            }
            var stages = a.GetProperty("stages").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            var expectedStages = script.ExpectedStageCounts().Where(kv => kv.Key.Analyst == name).ToDictionary(kv => kv.Key.Stage, kv => kv.Value);
            Assert.Equal(expectedStages.OrderBy(kv => kv.Key), stages.OrderBy(kv => kv.Key));
        }
        var notes = doc.RootElement.GetProperty("notes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(script.Stories.Count(s => s.Incomplete), notes["IncompleteHistory"]);
        Assert.Equal(script.Stories.Count(s => s.AuditTrail && s.Edits.Any(e => e.Hidden)), notes["RecoveredFromAuditTrail"]);
        Assert.Equal(script.Stories.Count(s => s.Reopen is not null), notes["Reopened"]);
        Assert.Equal(script.ExpectedDays(), doc.RootElement.GetProperty("daily").GetArrayLength());

        // A period that ends before the first close holds no time to close.
        var firstClose = script.Stories.Min(s => s.Close.TimeMs);
        var (_, early, _) = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-09-30",
            "--to", DateTimeOffset.FromUnixTimeMilliseconds(firstClose).ToString("O", CultureInfo.InvariantCulture), "--format", "json"]);
        using var earlyDoc = JsonDocument.Parse(early);
        Assert.All(earlyDoc.RootElement.GetProperty("analysts").EnumerateArray(), a => Assert.Equal(0, a.GetProperty("timeToClose").GetProperty("count").GetInt32()));

        // /metrics after a restart: histograms rebuilt from SQLite, parsed strictly, the same counts.
        var store = new AnalyticsStore(host.Options.Analytics.DatabaseFile(host.Options.State.Directory));
        var exposition = new StringWriter();
        AnalystHistograms.Load(store).WriteTo(new PrometheusTextWriter(exposition));
        var samples = PrometheusTextParser.ParseAeg(exposition.ToString());
        foreach (var ((kind, analyst), values) in expected)
        {
            // Summed over how each duration was obtained (the obtained label).
            Assert.Equal(values.Count, samples.Sum($"aeg_analyst_time_to_{kind}_seconds_count", ("analyst", analyst)));
            Assert.Equal(values.Sum(), samples.Sum($"aeg_analyst_time_to_{kind}_seconds_sum", ("analyst", analyst)), 6);
            Assert.Equal(values.Count(v => v <= 3600), samples.Sum($"aeg_analyst_time_to_{kind}_seconds_bucket", ("analyst", analyst), ("le", "3600")));
        }
        // Counters count since start (Prometheus handles the reset); the live ones saw the whole script.
        Assert.Equal(0, samples.Value("aeg_analytics_incomplete_histories_total"));
        var live = new StringWriter();
        host.Analytics.Histograms.WriteTo(new PrometheusTextWriter(live));
        var liveSamples = PrometheusTextParser.ParseAeg(live.ToString());
        Assert.Equal(script.Stories.Count(s => s.Incomplete), liveSamples.Value("aeg_analytics_incomplete_histories_total"));
        Assert.Equal(AnalystSamples(samples), AnalystSamples(liveSamples));

        var table = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-09-30", "--to", "2026-10-10"]);
        Assert.True(table.Exit == 0, table.Stderr);
        Assert.Contains("TIME TO CLOSE", table.Stdout);
        Assert.Contains("IncompleteHistory 1", table.Stdout);
    }

    [Fact]
    public async Task Html_report_draws_every_chart_in_headless_chromium()
    {
        await using var h = await PollerHarness.CreateAsync();
        var script = new AnalystScript(events: 8);
        var config = WriteConfig(h);
        Environment.SetEnvironmentVariable(PasswordVariable, h.Db.Password);
        var host = AegHost.Load(config, new Serilog.LoggerConfiguration().CreateLogger());
        await using var poller = host.CreatePoller(new RecordingSyslogSender());
        poller.Initialize();
        await PlayAsync(h.Db, script, async () => await poller.PollOnceAsync(CancellationToken.None));

        var html = Path.Combine(h.StateDirectory, "report.html");
        var (exit, json, stderr) = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-09-30", "--to", "2026-10-10", "--format", "json", "--html", html]);
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(json);
        var page = await File.ReadAllTextAsync(html);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*""(https?:)?//", page);

        var dom = await DumpDomAsync(html, h.StateDirectory);
        Assert.Contains("data-charts-drawn=\"3\"", dom);
        var medians = doc.RootElement.GetProperty("analysts").EnumerateArray()
            .Sum(a => new[] { "timeToRespond", "timeToReview", "timeToClose" }.Count(k => a.GetProperty(k).GetProperty("count").GetInt32() > 0));
        Assert.Equal(script.ExpectedDurations().Count, medians);
        Assert.Equal(medians, Bars(dom, "chart-medians"));
        Assert.Equal(AnalystHistograms.BucketSeconds.Length + 1, Bars(dom, "chart-close-distribution"));
        Assert.Equal(script.ExpectedDays(), Bars(dom, "chart-daily"));
        Assert.Equal(script.ExpectedDays(), Regex.Count(Svg(dom, "chart-daily"), "<circle "));
    }

    /// <summary>Writes the script's visible edits to the annotation table in time order, polling after each; returns how many rows were written.</summary>
    private static List<(string Name, string Labels, double Value)> AnalystSamples(PrometheusPage page) =>
        page.Families.Values.SelectMany(f => f.Samples).Where(s => s.Name.StartsWith("aeg_analyst_", StringComparison.Ordinal))
            .Select(s => (s.Name, s.LabelKey(), s.Value)).ToList();

    private static async Task<int> PlayAsync(TestDatabase db, AnalystScript script, Func<Task> poll)
    {
        for (var i = 0; i < AnalystScript.Analysts.Length; i++)
        {
            await db.ExecuteAsync("INSERT INTO arc_resource VALUES (@id, 2, @name, NULL)", ("@id", 100 + i), ("@name", AnalystScript.Analysts[i]));
        }
        var versions = new Dictionary<long, long>();
        var trails = new Dictionary<long, string>();
        var written = 0;
        foreach (var (story, edit) in script.Stories.SelectMany(s => s.Edits.Select(e => (s, e))).OrderBy(x => x.e.TimeMs))
        {
            var version = versions[edit.EventId] = versions.GetValueOrDefault(edit.EventId) + 1;
            // ESM's auto-generated Queued line is older than the event.
            var line = version == 1
                ? $"1,{story.Mrt - 86_400_000},admin,Queued,,,,\n"
                : $"1,{edit.TimeMs},{edit.User},{edit.Stage},,,,\n";
            trails[edit.EventId] = story.AuditTrail ? line + trails.GetValueOrDefault(edit.EventId, "") : "";
            if (edit.Hidden)
            {
                continue;
            }
            object? user = edit.User is null ? null : 100 + Array.IndexOf(AnalystScript.Analysts, edit.User);
            await db.ExecuteAsync("""
                INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, audit_trail, flags, manager_receipt_time)
                VALUES (@id, @v, @t, @user, @stage, @audit, @flags, @mrt)
                ON DUPLICATE KEY UPDATE version = @v, modification_time = @t, modified_by = @user, stage = @stage, audit_trail = @audit, flags = @flags
                """, ("@id", edit.EventId), ("@v", version), ("@t", edit.TimeMs), ("@user", user), ("@stage", AnalystScript.StageIds[edit.Stage]),
                ("@audit", trails[edit.EventId].Length == 0 ? null : trails[edit.EventId]), ("@flags", edit.Flags), ("@mrt", story.Mrt));
            written++;
            await poll();
        }
        return written;
    }

    private static string WriteConfig(PollerHarness h)
    {
        var o = h.Db.Options;
        var path = Path.Combine(h.StateDirectory, "aeg.yaml");
        File.WriteAllText(path, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: {{PasswordVariable}}, sslMode: None }
            poller: { batchSize: 100, firstStart: beginning }
            state: { directory: {{h.StateDirectory}} }
            syslog: { host: 127.0.0.1, port: 514, protocol: udp }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            hostName: aeg-metrics.example.com
            analytics: { initialStage: Queued, reviewedFlagBit: 0, finalStages: [Final, Closed] }

            """);
        return path;
    }

    /// <summary>The DOM after the page's script ran, from Debian's chromium (installed by ./aeg.sh test).</summary>
    private static async Task<string> DumpDomAsync(string htmlPath, string workDir)
    {
        var psi = new ProcessStartInfo("chromium") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            $"--user-data-dir={Path.Combine(workDir, "chromium-profile")}", "--dump-dom", new Uri(htmlPath).AbsoluteUri })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ProcessDeadline);
        await p.WaitForExitAsync(timeout.Token);
        var dom = await stdout;
        Assert.True(p.ExitCode == 0 && dom.Length > 0, $"chromium exit {p.ExitCode}: {await stderr}");
        return dom;
    }

    private static string Svg(string dom, string id)
    {
        var m = Regex.Match(dom, $"<svg id=\"{id}\"[^>]*>(.*?)</svg>", RegexOptions.Singleline);
        Assert.True(m.Success, $"no svg#{id} in the page");
        return m.Groups[1].Value;
    }

    private static int Bars(string dom, string id) => Regex.Count(Svg(dom, id), "<rect class=\"bar ");
}
