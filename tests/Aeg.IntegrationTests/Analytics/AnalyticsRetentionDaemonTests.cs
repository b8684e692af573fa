using Aeg.Analytics;
using Aeg.Daemon;
using Aeg.IntegrationTests.Annotations;
using Serilog;

namespace Aeg.IntegrationTests.Analytics;

/// <summary><c>aeg run</c>'s daemon (in process, against the real MariaDB) prunes a history past <c>analytics.retention</c> when it starts.</summary>
public sealed class AnalyticsRetentionDaemonTests
{
    private const string PasswordVariable = "AEG_RETENTION_DB_PASSWORD";
    private const long Day = 86_400_000;

    [Fact]
    public async Task The_daemon_prunes_the_history_older_than_the_retention_at_start_and_keeps_recent_rows()
    {
        await using var h = await PollerHarness.CreateAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var store = new AnalyticsStore(Path.Combine(h.StateDirectory, "analytics.db"));
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        // 3,000 events answered 500 days ago (more than one pruning batch), 10 answered yesterday.
        store.Apply([.. Enumerable.Range(1, 3_000).Select(i => new AnalyticsRow(i, 1, now - 500 * Day + i, "alice", "Initial", 0, now - 501 * Day, null))], deriver);
        store.Apply([.. Enumerable.Range(10_001, 10).Select(i => new AnalyticsRow(i, 1, now - Day + i, "bob", "Initial", 0, now - 2 * Day, null))], deriver);
        Assert.Equal(3_010, store.Durations().Count);

        var o = h.Db.Options;
        var config = Path.Combine(h.StateDirectory, "aeg.yaml");
        File.WriteAllText(config, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: {{PasswordVariable}}, sslMode: None }
            poller: { interval: 1s }
            state: { directory: {{h.StateDirectory}} }
            syslog: { host: 127.0.0.1, port: 9, protocol: udp }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            analytics: { retention: 400d }

            """);
        Environment.SetEnvironmentVariable(PasswordVariable, h.Db.Password);
        var host = AegHost.Load(config, new LoggerConfiguration().CreateLogger());
        await using var daemon = await AegDaemon.StartAsync(host);
        using var stop = new CancellationTokenSource();
        var run = daemon.RunAsync(stop.Token);

        await WaitUntil.HoldsAsync(() => store.Durations().Count == 10 && store.Transitions().Count == 10, "the old durations and transitions are pruned",
            detail: () => $"{store.Durations().Count} durations and {store.Transitions().Count} transitions left");
        stop.Cancel();
        await run;

        Assert.All(store.Durations(), d => Assert.Equal("bob", d.Analyst));
        Assert.Equal(Enumerable.Repeat("bob", 10), store.Transitions().Select(t => t.Analyst));
        // The histogram totals are counters: they still count every duration ever recorded.
        Assert.Equal(3_010, store.BucketTotals().Sum(b => b.Count));
    }
}
