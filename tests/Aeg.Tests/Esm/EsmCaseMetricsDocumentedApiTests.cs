using System.Text.Json.Nodes;
using Aeg.Analytics;
using Aeg.Metrics;
using Aeg.Tests.Rules;

namespace Aeg.Tests.Esm;

/// <summary>
/// ESM case stages into the analyst metrics: the case poller against <see cref="EsmServiceLayerDocumentedApiServer"/>
/// (CaseService findAllIds / getResourceById from the public clients; no ESM can run here) records what each poll saw,
/// and the durations per owner computed by hand show in <c>aeg report</c>'s data and on /metrics.
/// </summary>
public sealed class EsmCaseMetricsDocumentedApiTests : IAsyncLifetime
{
    private const long M = 60_000;
    private readonly RuleTestFiles _files = new();
    private readonly string _variable = "AEG_TEST_ESM_PW_" + Guid.NewGuid().ToString("N")[..8];
    private readonly CaseTicketReceiver _receiver = new();
    private readonly LogCapture _log = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;
    private InProcessHttpServer _hook = null!;
    private static readonly long T0 = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _hook = await InProcessHttpServer.StartAsync(_receiver.Handle);
        Environment.SetEnvironmentVariable(_variable, _esm.Password);
        _files.Write("rules.yaml", EsmCaseConfig.Rule("hook"));
    }

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        await _hook.DisposeAsync();
        Environment.SetEnvironmentVariable(_variable, null);
        _files.Dispose();
        _log.Dispose();
    }

    // A case as an analyst left it: created at T0 + created minutes, last modified at T0 + modified minutes, owned by owner.
    private void Case(string id, long created, long modified, string stage, string owner)
    {
        var node = JsonNode.Parse(EsmTestKit.Case(id, T0 + (modified * M), $"case {id}", stage: stage))!.AsObject();
        node["createdTimestamp"] = T0 + (created * M);
        node["ownerName"] = owner;
        _esm.AddCase(node.ToJsonString());
    }

    [Fact]
    public async Task Polled_case_stages_give_time_to_close_and_first_stage_change_per_owner_in_the_report_and_on_metrics()
    {
        var config = _files.Write("aeg.yaml", EsmCaseConfig.Yaml(_files.Directory, _esm, _variable, "pollInterval: 1d, ownerField: ownerName",
            $$"""      hook: { type: webhook, url: "{{_hook.BaseUrl}}", auth: none, retry: { maxAttempts: 3, baseDelay: 5ms, maxDelay: 50ms } }"""));
        Case("A", 0, 1, "QUEUED", "alice");
        Case("B", 0, 2, "QUEUED", "bob");
        var pipeline = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);   // poll 1
        try
        {
            var poller = pipeline.Cases!;
            Case("A", 0, 10, "INITIAL", "alice");
            Case("B", 0, 20, "FOLLOW_UP", "carol");     // owner change with the first move
            await poller.PollOnceAsync(CancellationToken.None);
            Case("A", 0, 60, "CLOSED", "dave");         // re-assigned, then closed
            await poller.PollOnceAsync(CancellationToken.None);
            Case("A", 0, 70, "FOLLOW_UP", "dave");      // re-opened
            Case("B", 0, 90, "FINAL", "carol");
            await poller.PollOnceAsync(CancellationToken.None);
            Case("A", 0, 100, "CLOSED", "dave");
            await poller.PollOnceAsync(CancellationToken.None);
            await poller.PollOnceAsync(CancellationToken.None);   // nothing new: nothing counted twice

            // By hand: A first change 10m (alice), closes 60m (dave) and 70m→100m = 30m (dave); B first change 20m (carol), closes 90m (carol).
            var report = AnalystReport.Build(new AnalyticsStore(Path.Combine(_files.Directory, "state", "analytics.db")),
                DateTimeOffset.FromUnixTimeMilliseconds(T0), DateTimeOffset.FromUnixTimeMilliseconds(T0 + (200 * M)));
            var owners = report.Cases.Owners.ToDictionary(o => o.Owner);
            Assert.Equal(["alice", "carol", "dave"], owners.Keys.Order(StringComparer.Ordinal).ToArray());
            Assert.Equal(new DurationStats(1, 600, 600, 600), owners["alice"].TimeToFirstStageChange);
            Assert.Equal(0, owners["alice"].TimeToClose.Count);
            Assert.Equal(new DurationStats(1, 1200, 1200, 1200), owners["carol"].TimeToFirstStageChange);
            Assert.Equal(new DurationStats(1, 5400, 5400, 5400), owners["carol"].TimeToClose);
            Assert.Equal(new DurationStats(2, 2700, 3420, 2700), owners["dave"].TimeToClose);   // 3600 and 1800 s: p90 1800 + 0.9 × 1800
            Assert.Equal(5, poller.History!.Recorded);

            var text = new StringWriter();
            poller.History.Histograms.WriteTo(new PrometheusTextWriter(text));
            var metrics = text.ToString();
            Assert.Contains("aeg_esm_case_time_to_close_seconds_count{owner=\"dave\"} 2", metrics, StringComparison.Ordinal);
            Assert.Contains("aeg_esm_case_time_to_close_seconds_sum{owner=\"dave\"} 5400", metrics, StringComparison.Ordinal);
            Assert.Contains("aeg_esm_case_time_to_first_stage_change_seconds_count{owner=\"alice\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("aeg_esm_case_time_to_close_seconds_bucket{owner=\"carol\",le=\"3600\"} 0", metrics, StringComparison.Ordinal);
            Assert.Contains("aeg_esm_case_time_to_close_seconds_bucket{owner=\"carol\",le=\"7200\"} 1", metrics, StringComparison.Ordinal);
        }
        finally
        {
            await pipeline.DisposeAsync();
        }
    }
}
