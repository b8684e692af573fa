using System.Globalization;
using Aeg.Esm;
using Aeg.Esm.QueryViewers;
using Aeg.Rules;
using Aeg.Tickets;
using Aeg.Tickets.Store;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// Query viewers as a source (issue 23 item 3) against <see cref="EsmServiceLayerDocumentedApiServer"/>
/// (QueryViewerService.getMatrixData written from the ESM Service Layer documentation and its public clients; no ESM
/// can run here): every row reaches the rules exactly once across restarts and a crash between outbox and cursor.
/// </summary>
public sealed class QueryViewerSourceDocumentedApiTests : IAsyncLifetime, IDisposable
{
    private const string Viewer = "HQueryViewerUBABC7Y3dBjvLxA==";
    private static readonly string[] Columns = ["Event ID", "End Time", "Name", "Target Host Name"];
    private readonly TempDirectory _dir = new();
    private readonly LogCapture _log = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;
    private EsmClient _client = null!;

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _client = EsmTestKit.Client(_esm, _log.Logger);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _esm.DisposeAsync();
    }

    private static IReadOnlyList<Rule> Rules()
    {
        var path = Path.Combine(Path.GetTempPath(), "aeg-qv-rules-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        File.WriteAllText(path, """
            rules:
              - name: from-query-viewer
                when: [{ field: deviceProduct, equals: QueryViewer }]
                dedupe: "qv-{{ad.Event_ID}}"
                actions:
                  - target: hook
                    create: { title: "{{ad.Name}} on {{ad.Target_Host_Name|unknown}}" }
            """);
        try
        {
            return RuleLoader.Load(path, new Dictionary<string, string> { ["hook"] = "webhook" });
        }
        finally
        {
            File.Delete(path);
        }
    }

    private QueryViewerPoller Poller(TicketOutbox outbox, int batchSize = 500) =>
        new(_client, new QueryViewerOptions { Id = Viewer, IdColumn = "Event ID", TimeColumn = "End Time", BatchSize = batchSize }, "esm.queryViewers[0]",
            Rules(), outbox, _dir.Path, "(none)", _log.Logger);

    // Rows of ids [from, to), ten per millisecond so the id breaks ties, in no particular order (ESM's sort is the viewer's).
    private static IEnumerable<string[]> Rows(int from, int to) => Enumerable.Range(from, to - from).Reverse()
        .Select(i => new[] { (5_000_000 + i).ToString(CultureInfo.InvariantCulture), (1_765_000_000_000L + i / 10).ToString(CultureInfo.InvariantCulture), $"alert {i}", i % 7 == 0 ? "" : $"ws{i}" });

    [Fact]
    public async Task Ten_thousand_rows_polled_across_a_restart_and_a_crash_before_the_cursor_reach_the_rules_exactly_once()
    {
        var outbox = new TicketOutbox(new SqliteOutboxDatabase(_dir.File("tickets.db")), TimeSpan.FromSeconds(30));

        // The viewer holds 6,000 rows; one poll takes them all.
        _esm.SetQueryViewer(Viewer, Columns, Rows(0, 6_000));
        var first = Poller(outbox);
        Assert.Equal(6_000, await first.PollOnceAsync(CancellationToken.None));
        var cursorFile = QueryViewerPoller.CursorPath(_dir.Path, Viewer);
        var savedAfterFirst = File.ReadAllBytes(cursorFile);

        // 4,000 more (the viewer's window slid: it still shows the last 2,000 old ones); a restart polls them.
        _esm.SetQueryViewer(Viewer, Columns, Rows(4_000, 10_000));
        var second = Poller(outbox);
        Assert.Equal(first.Cursor, second.Cursor);
        Assert.Equal(4_000, await second.PollOnceAsync(CancellationToken.None));

        // A crash after the outbox commit and before the cursor file: the next start reads the batch again.
        File.WriteAllBytes(cursorFile, savedAfterFirst);
        var third = Poller(outbox);
        Assert.Equal(0, await third.PollOnceAsync(CancellationToken.None));
        Assert.Equal(4_000, third.Counters.Repeated);
        Assert.Equal(second.Cursor, third.Cursor);

        // Every id once, with its row's fields.
        var jobs = outbox.Claim(20_000);
        Assert.Equal(10_000, jobs.Count);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => $"qv-{5_000_000 + i}"), jobs.Select(j => j.Work.DedupeKey).Order(StringComparer.Ordinal));
        var j14 = jobs.Single(j => j.Work.DedupeKey == "qv-5000014");
        Assert.Equal("alert 14 on unknown", j14.Work.OnCreate!["title"]);
        Assert.Equal("alert 15 on ws15", jobs.Single(j => j.Work.DedupeKey == "qv-5000015").Work.OnCreate!["title"]);
    }

    [Fact]
    public async Task A_viewer_without_the_configured_id_column_fails_naming_the_key_and_the_columns_it_has()
    {
        var outbox = new TicketOutbox(new SqliteOutboxDatabase(_dir.File("tickets.db")), TimeSpan.FromSeconds(30));
        _esm.SetQueryViewer(Viewer, ["ID", "End Time"], [["1", "1765000000000"]]);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Poller(outbox).PollOnceAsync(CancellationToken.None));

        Assert.Contains("esm.queryViewers[0].idColumn", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no column 'Event ID'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'ID', 'End Time'", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(QueryViewerPoller.CursorPath(_dir.Path, Viewer)));
    }

    [Fact]
    public async Task The_daemons_pipeline_polls_a_configured_viewer_without_any_listener_and_its_rows_become_webhook_posts()
    {
        await using var hook = await InProcessHttpServer.StartAsync((_, _) => new Reply(201, "{\"id\":\"h-1\"}"));
        var passwordVariable = "AEG_TEST_ESM_PASSWORD_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(passwordVariable, _esm.Password);
        _esm.SetQueryViewer(Viewer, Columns, Rows(0, 25));
        File.WriteAllText(_dir.File("rules.yaml"), """
            rules:
              - name: from-query-viewer
                when: [{ field: deviceProduct, equals: QueryViewer }]
                dedupe: "qv-{{ad.Event_ID}}"
                actions:
                  - target: hook
                    create: { title: "{{ad.Name}}" }
            """);
        File.WriteAllText(_dir.File("aeg.yaml"), $$"""
            state: { directory: {{_dir.File("state")}} }
            rules: { path: {{_dir.File("rules.yaml")}} }
            esm:
              url: "{{_esm.BaseUrl}}"
              user: {{_esm.User}}
              passwordEnv: {{passwordVariable}}
              caFile: {{_esm.CaFile}}
              queryViewers: [{ id: "{{Viewer}}", idColumn: "Event ID", timeColumn: "End Time", pollInterval: 1s }]
            tickets:
              systems:
                hook: { type: webhook, url: "{{hook.BaseUrl}}", auth: none }
            """);
        try
        {
            var config = _dir.File("aeg.yaml");
            await using var pipeline = Aeg.Daemon.CefTicketPipeline.Create(Aeg.Daemon.AegConfig.Load(config), config, _log.Logger);
            await pipeline.StartAsync();

            await WaitUntil.HoldsAsync(() => hook.Requests.Count == 25, "25 posts", TimeSpan.FromSeconds(30), () => _log.Text);
            Assert.Equal(Enumerable.Range(0, 25).Select(i => $"alert {i}").Order(StringComparer.Ordinal),
                hook.Requests.Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("fields").GetProperty("title").GetString()!).Order(StringComparer.Ordinal));
            Assert.Empty(pipeline.Listeners.Listeners);
            Assert.Equal(25, Assert.Single(pipeline.QueryViewers).Counters.Queued);
            var page = new StringWriter();
            new Aeg.HttpEndpoint.EsmSourceMetrics(pipeline.Cases, pipeline.QueryViewers).WriteTo(new Aeg.Metrics.PrometheusTextWriter(page));
            var samples = PrometheusTextParser.ParseAeg(page.ToString());
            Assert.Equal(25, samples.Sum("aeg_esm_query_viewer_rows_total", ("viewer", Viewer), ("outcome", "queued")));
            Assert.Equal(0, samples.Sum("aeg_esm_query_viewer_polls_total", ("viewer", Viewer), ("result", "failed")));
            Assert.True(samples.Sum("aeg_esm_query_viewer_polls_total", ("viewer", Viewer), ("result", "ok")) >= 1);
        }
        finally
        {
            Environment.SetEnvironmentVariable(passwordVariable, null);
        }
    }

    private string ViewerConfig(string passwordVariable, string extra = "")
    {
        File.WriteAllText(_dir.File("rules.yaml"), """
            rules:
              - name: from-query-viewer
                when: [{ field: deviceProduct, equals: QueryViewer }]
                dedupe: "qv-{{ad.Event_ID}}"
                actions:
                  - target: hook
                    create: { title: "{{ad.Name}}" }
            """);
        File.WriteAllText(_dir.File("aeg.yaml"), $$"""
            state: { directory: {{_dir.File("state")}} }
            rules: { path: {{_dir.File("rules.yaml")}} }
            listen: { listeners: [] }
            esm:
              url: "{{_esm.BaseUrl}}"
              user: {{_esm.User}}
              passwordEnv: {{passwordVariable}}
              caFile: {{_esm.CaFile}}
              retry: { maxAttempts: 2, baseDelay: 5ms, maxDelay: 20ms }
              queryViewers: [{ id: "{{Viewer}}", idColumn: "Event ID", timeColumn: "End Time", pollInterval: 1s }]
            tickets:
              systems:
                hook: { type: webhook, url: "http://127.0.0.1:9/", auth: none }
            {{extra}}
            """);
        return _dir.File("aeg.yaml");
    }

    [Fact]
    public async Task Aeg_listen_on_a_viewer_without_the_time_column_stops_at_start_up_with_exit_2_naming_the_file_key_and_the_columns_it_has()
    {
        _esm.SetQueryViewer(Viewer, ["Event ID", "Time", "Name"], Rows(0, 3).Select(r => r[..3]));
        var config = ViewerConfig("AEG_QV_PASSWORD");

        var run = await AegProcess.RunAsync(["listen", "--config", config], new Dictionary<string, string> { ["AEG_QV_PASSWORD"] = _esm.Password }, timeout: TimeSpan.FromMinutes(1));

        Assert.Equal(2, run.Exit);
        Assert.Contains($"{config}: esm.queryViewers[0].timeColumn: query viewer {Viewer} has no column 'End Time' (its columns: 'Event ID', 'Time', 'Name')", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("idColumn", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(QueryViewerPoller.CursorPath(_dir.File("state"), Viewer)));
    }

    [Fact]
    public async Task A_viewer_ESM_does_not_know_fails_start_up_naming_its_id_key()
    {
        var passwordVariable = "AEG_TEST_ESM_PASSWORD_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(passwordVariable, _esm.Password);
        try
        {
            var config = ViewerConfig(passwordVariable);
            await using var pipeline = Aeg.Daemon.CefTicketPipeline.Create(Aeg.Daemon.AegConfig.Load(config), config, _log.Logger);

            var ex = await Assert.ThrowsAsync<Aeg.Configuration.ConfigException>(pipeline.StartAsync);

            var problem = Assert.Single(ex.Problems);
            Assert.Equal("esm.queryViewers[0].id", problem.Key);
            Assert.Contains($"ESM has no query viewer {Viewer}", problem.Reason, StringComparison.Ordinal);
            Assert.Equal(config, ex.File);
        }
        finally
        {
            Environment.SetEnvironmentVariable(passwordVariable, null);
        }
    }

    [Fact]
    public async Task An_ESM_outage_at_start_up_is_a_warning_not_a_stop_and_the_rows_flow_once_ESM_answers()
    {
        var passwordVariable = "AEG_TEST_ESM_PASSWORD_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(passwordVariable, _esm.Password);
        try
        {
            _esm.SetQueryViewer(Viewer, Columns, Rows(0, 5));
            var config = ViewerConfig(passwordVariable);
            // Login and both attempts of the check fail (maxAttempts 2, and once more after a re-login).
            _esm.Inject(new EsmFault.Unavailable(), new EsmFault.Unavailable(), new EsmFault.Unavailable(), new EsmFault.Unavailable(), new EsmFault.Unavailable());
            await using var pipeline = Aeg.Daemon.CefTicketPipeline.Create(Aeg.Daemon.AegConfig.Load(config), config, _log.Logger);

            await pipeline.StartAsync();

            Assert.Contains("its columns could not be checked at start-up", _log.Text, StringComparison.Ordinal);
            var viewer = Assert.Single(pipeline.QueryViewers);
            await WaitUntil.HoldsAsync(() => viewer.Counters.Queued == 5, "the five rows queued once ESM answers", TimeSpan.FromSeconds(30), () => _log.Text);
        }
        finally
        {
            Environment.SetEnvironmentVariable(passwordVariable, null);
        }
    }

    public void Dispose() => _dir.Dispose();
}
