using Aeg.Analytics;
using Aeg.Configuration;
using Aeg.Tests.Configuration;
using Serilog;

namespace Aeg.Tests.Analytics;

/// <summary><c>analytics.retention</c>: pruning a real SQLite history, and the option's validation.</summary>
public sealed class AnalyticsRetentionTests : IDisposable
{
    private const long Minute = 60_000;
    private const long Day = 86_400_000;
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-retention-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    // Each event: created, responded 5 minutes later, then closed without review (a note), all
    // around `at`; event ids from `firstId`.
    private static List<AnalyticsRow> Events(long firstId, int count, long at) => [.. Enumerable.Range(0, count).SelectMany(i => new[]
    {
        new AnalyticsRow(firstId + i, 1, at + i, "system", "Queued", 0, at - Minute, null),
        new AnalyticsRow(firstId + i, 2, at + 5 * Minute + i, "alice", "Initial", 0, at - Minute, null),
        new AnalyticsRow(firstId + i, 3, at + 9 * Minute + i, "bob", "Closed", 0, at - Minute, null),
    })];

    [Fact]
    public async Task Rows_older_than_the_retention_are_pruned_in_batches_and_recent_ones_kept_with_the_histogram_totals()
    {
        var store = new AnalyticsStore(Path.Combine(_dir, "analytics.db"));
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        var now = Now.ToUnixTimeMilliseconds();
        // More old rows than one batch holds, in every table; recent ones a day inside the retention.
        const int oldEvents = AnalyticsRetention.BatchSize + 700;
        store.Apply(Events(1, oldEvents, now - 500 * Day), deriver);
        store.Apply(Events(100_000, 30, now - 399 * Day), deriver);
        store.Apply(Events(200_000, 20, now - 2 * Day), deriver);
        var totalsBefore = store.BucketTotals().OrderBy(b => (b.Kind, b.Analyst, b.Bucket)).ToList();
        Assert.Equal(oldEvents + 50, store.Durations().Count);
        Assert.Equal(2 * (oldEvents + 50), store.Transitions().Count);
        Assert.Equal(oldEvents + 50, store.Notes().Count);

        var retention = new AnalyticsRetention(store, TimeSpan.FromDays(400), new LoggerConfiguration().CreateLogger(), new FixedTime(Now));
        var pruned = await retention.PruneAsync();

        Assert.Equal(4L * oldEvents, pruned);
        var cutoff = now - 400 * Day;
        Assert.Equal(cutoff, retention.CutoffMs);
        Assert.All(store.Durations(), d => Assert.True(d.EndMs >= cutoff));
        Assert.Equal(50, store.Durations().Count);
        Assert.Equal(100, store.Transitions().Count);
        Assert.Equal(50, store.Notes().Count);
        Assert.Equal([100_000L, 200_000L], store.Durations().Select(d => d.EventId).Where(id => id is 100_000 or 200_000).Order());
        // A report over the pruned period finds nothing; over the kept one, everything.
        Assert.Empty(store.ReadPeriod(now - 600 * Day, cutoff).Lengths);
        Assert.Equal(50, store.ReadPeriod(cutoff, now).Lengths.Values.Sum(l => l.Count));
        // The histograms are counters: their totals stay; each event's state stays for its next edit.
        Assert.Equal(totalsBefore, store.BucketTotals().OrderBy(b => (b.Kind, b.Analyst, b.Bucket)).ToList());
        Assert.Equal("Closed", store.Find(1)!.Stage);

        // An old event edited again is still derived from its state, not measured as new.
        store.Apply([new AnalyticsRow(1, 4, now, "carol", "Follow-Up", 0, now - 500 * Day - Minute, null)], deriver);
        Assert.DoesNotContain(store.Durations(), d => d.EventId == 1);
        Assert.Contains(store.Notes(), n => n.EventId == 1 && n.Note == HistoryNote.Reopened);

        Assert.Equal(0, await retention.PruneAsync());
    }

    [Fact]
    public async Task Recording_goes_on_while_a_large_history_is_pruned_and_neither_loses_a_row()
    {
        var store = new AnalyticsStore(Path.Combine(_dir, "analytics.db"));
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        var now = Now.ToUnixTimeMilliseconds();
        store.Apply(Events(1, 4 * AnalyticsRetention.BatchSize, now - 500 * Day), deriver);
        var retention = new AnalyticsRetention(store, TimeSpan.FromDays(400), new LoggerConfiguration().CreateLogger(), new FixedTime(Now));

        // Batches recorded on another thread while the pruning runs: each waits for the write
        // lock between pruning batches instead of failing.
        var pruning = retention.PruneAsync();
        var recording = Task.Run(() =>
        {
            for (var b = 0; b < 20; b++)
            {
                store.Apply(Events(1_000_000 + (b * 50), 50, now - Day + (b * Minute)), deriver);
            }
        });
        await Task.WhenAll(pruning, recording);

        Assert.Equal(4L * 4 * AnalyticsRetention.BatchSize, await pruning);
        Assert.Equal(1_000, store.Durations().Count);
        Assert.All(store.Durations(), d => Assert.True(d.EventId >= 1_000_000));
        Assert.Equal(2_000, store.Transitions().Count);
        Assert.Equal(1_000, store.Notes().Count);
    }

    [Fact]
    public void Retention_is_read_as_a_duration_and_validated_at_start_with_file_key_and_reason()
    {
        using var folder = new ConfigFolder();
        const string Base = "database: { host: db, user: u, passwordEnv: P }\nsyslog: { host: h }\n";
        Assert.Equal(TimeSpan.FromDays(400), folder.Load(Base + "analytics: { retention: 400d }").Analytics.Retention);
        Assert.Null(folder.Load(Base).Analytics.Retention);

        var ex = Assert.Throws<ConfigException>(() => folder.Load(Base + "analytics: { retention: 12h }"));
        Assert.Contains(folder.File("aeg.yaml"), ex.Message, StringComparison.Ordinal);
        var problem = Assert.Single(ex.Problems);
        Assert.Equal("analytics.retention", problem.Key);
        Assert.Contains("at least 1d", problem.Reason, StringComparison.Ordinal);

        var unit = Assert.ThrowsAny<Exception>(() => folder.Load(Base + "analytics: { retention: 400 days }"));
        Assert.Contains("aeg.yaml", unit.Message, StringComparison.Ordinal);
        Assert.Contains("'400 days' is not a duration", unit.Message, StringComparison.Ordinal);
    }
}
