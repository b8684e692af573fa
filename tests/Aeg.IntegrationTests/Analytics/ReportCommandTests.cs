using Aeg.Analytics;

namespace Aeg.IntegrationTests.Analytics;

/// <summary><c>aeg report</c> as a process: bad input is a clear error, a missing history an empty report that creates nothing, progress only on a terminal.</summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config()
    {
        var path = Path.Combine(_dir, "aeg.yaml");
        File.WriteAllText(path, $"state: {{ directory: {Path.Combine(_dir, "state")} }}\nmappings: {TestServices.RepoFile("cef-mappings.yaml")}\n");
        return path;
    }

    [Fact]
    public async Task A_bad_period_exits_2_with_the_option_named()
    {
        var config = Config();
        var bad = await AegProcess.RunAsync(["report", "--config", config, "--from", "last tuesday"]);
        Assert.Equal(2, bad.Exit);
        Assert.Contains("--from: 'last tuesday' is not an ISO 8601 time", bad.Stderr);

        var reversed = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-11-02", "--to", "2026-11-01"]);
        Assert.Equal(2, reversed.Exit);
        Assert.Contains("--from must be before --to", reversed.Stderr);

        File.AppendAllText(config, "analytics: { finalStages: [] }\n");
        var invalid = await AegProcess.RunAsync(["report", "--config", config]);
        Assert.Equal(2, invalid.Exit);
        Assert.Contains("analytics.finalStages: must name at least one stage", invalid.Stderr);
    }

    [Fact]
    public async Task Without_a_history_the_report_is_empty_and_creates_no_state()
    {
        var (exit, stdout, stderr) = await AegProcess.RunAsync(["report", "--config", Config(), "--format", "json"]);
        Assert.Equal(0, exit);
        Assert.Contains("No analytics history at", stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(0, doc.RootElement.GetProperty("analysts").GetArrayLength());
        Assert.False(Directory.Exists(Path.Combine(_dir, "state")));
    }

    [Fact]
    public async Task Stage_times_adds_the_time_in_each_stage_to_the_json_report()
    {
        // Four events each in Initial for 60 s, closed by carol.
        var (config, _) = History(events: 4);
        string[] args = ["report", "--config", config, "--from", "2026-10-01", "--to", "2026-11-01", "--format", "json"];
        var with = await AegProcess.RunAsync([.. args, "--stage-times"]);
        var without = await AegProcess.RunAsync(args);

        Assert.Equal((0, 0), (with.Exit, without.Exit));
        using var doc = System.Text.Json.JsonDocument.Parse(with.Stdout);
        var stage = Assert.Single(doc.RootElement.GetProperty("timeInStage").EnumerateArray());
        Assert.Equal("Initial", stage.GetProperty("stage").GetString());
        Assert.Equal(4, stage.GetProperty("time").GetProperty("count").GetInt32());
        Assert.Equal(60.0, stage.GetProperty("time").GetProperty("medianSeconds").GetDouble());
        using var plain = System.Text.Json.JsonDocument.Parse(without.Stdout);
        Assert.Equal(0, plain.RootElement.GetProperty("timeInStage").GetArrayLength());
    }

    [Fact]
    public async Task The_managers_sections_come_with_the_configured_sla_targets_and_oldest_is_checked()
    {
        // Four events, each responded 10m 01s–10m 04s after its MRT (over a 5m target) and closed by carol.
        var (config, _) = History(events: 4);
        File.AppendAllText(config, "analytics: { sla: { respond: 5m } }\n");
        var run = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-10-01", "--to", "2026-11-01", "--format", "json", "--oldest", "1"]);

        Assert.Equal(0, run.Exit);
        using var doc = System.Text.Json.JsonDocument.Parse(run.Stdout);
        var m = doc.RootElement.GetProperty("management");
        var respond = Assert.Single(m.GetProperty("slaTotals").EnumerateArray());
        Assert.Equal(("respond", 300.0, 4, 4), (respond.GetProperty("measure").GetString(), respond.GetProperty("targetSeconds").GetDouble(),
            respond.GetProperty("count").GetInt32(), respond.GetProperty("breaches").GetInt32()));
        Assert.Equal(0, m.GetProperty("backlog").GetProperty("open").GetInt32());
        Assert.Equal(4, m.GetProperty("reopens").GetProperty("closes").GetInt32());
        Assert.Equal(4, m.GetProperty("detectionToClose").GetProperty("all").GetProperty("count").GetInt32());

        var bad = await AegProcess.RunAsync(["report", "--config", config, "--oldest", "5000"]);
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("--oldest must be 0–1000", bad.Stderr);
    }

    [Fact]
    public async Task On_a_terminal_a_progress_line_counts_the_rows_read_and_is_erased_before_the_report()
    {
        var (config, rows) = History(events: 3000);
        // script(1) gives aeg a pseudo-terminal for stdin, stdout and stderr.
        var run = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-10-01", "--to", "2026-11-01"],
            wrapper: ["bash", "-c", "exec script -qefc \"$(printf '%q ' \"$@\")\" /dev/null", "script"]);

        Assert.Equal(0, run.Exit);
        Assert.Contains($"\rReading the history: 0/{rows} rows (0%)", run.Stdout);
        Assert.Contains("TIME TO RESPOND", run.Stdout);
        // Erased: blanks over the line, then the cursor back at its start, before the report.
        Assert.True(run.Stdout.IndexOf("\r" + new string(' ', $"Reading the history: 0/{rows} rows (0%)".Length), StringComparison.Ordinal)
            < run.Stdout.IndexOf("TIME TO RESPOND", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_stderr_redirected_the_report_writes_no_progress_line()
    {
        var (config, _) = History(events: 3000);

        var run = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-10-01", "--to", "2026-11-01"]);

        Assert.Equal(0, run.Exit);
        Assert.Contains("TIME TO RESPOND", run.Stdout);
        Assert.DoesNotContain("Reading the history", run.Stderr + run.Stdout);
        Assert.DoesNotContain('\r', run.Stderr);
    }

    // Each event: queued, taken by an analyst, closed; the rows a report over October reads.
    private (string Config, long Rows) History(int events)
    {
        var config = Config();
        var stateDir = Path.Combine(_dir, "state");
        Directory.CreateDirectory(stateDir);
        var t0 = new DateTimeOffset(2026, 10, 5, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var store = new AnalyticsStore(new AnalyticsOptions().DatabaseFile(stateDir));
        store.Apply([.. Enumerable.Range(1, events).SelectMany(e => new[]
        {
            new AnalyticsRow(e, 1, t0, "system", "Queued", 0, t0 - 600_000, null),
            new AnalyticsRow(e, 2, t0 + e * 1000L, e % 2 == 0 ? "alice" : "bob", "Initial", 1, t0 - 600_000, null),
            new AnalyticsRow(e, 3, t0 + e * 1000L + 60_000, "carol", "Closed", 1, t0 - 600_000, null),
        })], new TransitionDeriver(new AnalyticsOptions()));
        var rows = store.CountInPeriod(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());
        Assert.True(rows >= 2 * events, $"only {rows} rows of history");
        return (config, rows);
    }
}
