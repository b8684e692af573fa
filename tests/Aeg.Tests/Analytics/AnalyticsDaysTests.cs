using Aeg.Analytics;
using Microsoft.Data.Sqlite;
using Serilog;

namespace Aeg.Tests.Analytics;

/// <summary>
/// The per-day counts of transitions, notes and durations a report reads for whole days: equal to counting
/// the rows, for a history written before they existed, and after retention cut a day in two.
/// </summary>
public sealed class AnalyticsDaysTests : IDisposable
{
    private const long Minute = 60_000, Day = 86_400_000;
    private static readonly long T0 = new DateTimeOffset(2026, 10, 5, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-analytics-days-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string DbPath => Path.Combine(_dir, "analytics.db");

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    // 300 events over 8 days: random analysts, stages, gaps and stale rows, applied in batches of 97.
    private static void Record(AnalyticsStore store)
    {
        var random = new Random(7);
        string[] analysts = ["alice", "bob", "carol"];
        string[] stages = ["Queued", "Initial", "Follow-Up", "Final", "Closed"];
        var rows = new List<AnalyticsRow>();
        for (var e = 1; e <= 300; e++)
        {
            var t = T0 + (random.Next(0, 8 * 24 * 60) * Minute);
            for (var v = 1; v <= random.Next(1, 6); v++)
            {
                t += random.Next(1, 900) * 1000L;
                var version = v + (random.Next(8) == 0 ? 1 : 0);
                rows.Add(new AnalyticsRow(e, version, t, analysts[random.Next(3)], stages[random.Next(5)], random.Next(2), T0 - Minute,
                    $"1,{t - 1000},{analysts[random.Next(3)]},Initial,,,,\n"));
            }
        }
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        foreach (var chunk in rows.OrderBy(r => r.ModificationTimeMs).Chunk(97))
        {
            store.Apply(chunk, deriver);
        }
    }

    // What a period's counts are when every row is counted.
    private static (Dictionary<(string, string), int> Stages, Dictionary<long, int> PerDay, Dictionary<string, int> Notes) FromRows(AnalyticsStore store, long from, long to)
    {
        var transitions = store.Transitions(from, to);
        return (transitions.GroupBy(t => (t.Analyst, t.ToStage)).ToDictionary(g => g.Key, g => g.Count()),
            transitions.GroupBy(t => AnalyticsStore.Day(t.TimeMs)).ToDictionary(g => g.Key, g => g.Count()),
            store.Notes(from, to).GroupBy(n => n.Note.ToString()).ToDictionary(g => g.Key, g => g.Count()));
    }

    private static void AssertSameCounts(AnalyticsStore store, long from, long to)
    {
        var period = store.ReadPeriod(from, to);
        var (stages, perDay, notes) = FromRows(store, from, to);
        Assert.True(stages.Count > 0, "the period holds transitions");
        Assert.Equal(stages.OrderBy(p => p.Key), period.StageCounts.GroupBy(c => (c.Analyst, c.Stage)).ToDictionary(g => g.Key, g => g.Sum(c => c.Count)).OrderBy(p => p.Key));
        Assert.Equal(perDay.OrderBy(p => p.Key), period.TransitionsPerDay.OrderBy(p => p.Key));
        Assert.Equal(notes.OrderBy(p => p.Key), period.Notes.OrderBy(p => p.Key));
        // The durations per measure and analyst of the whole days (what sizes the report's lists).
        var (first, end) = AnalyticsDays.WholeDays(from, to);
        if (first < end)
        {
            using var connection = store.OpenConnection();
            var expected = store.Durations(first * Day, end * Day).GroupBy(d => (d.Kind.ToString(), d.Analyst)).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(expected.OrderBy(p => p.Key), AnalyticsDays.DurationCounts(connection, first, end).OrderBy(p => p.Key));
        }
        // The first transition into each stage is the earliest of the period's rows.
        foreach (var g in store.Transitions(from, to).GroupBy(t => (t.Analyst, t.ToStage)))
        {
            Assert.Equal(g.Min(t => t.TimeMs), period.StageCounts.Where(c => (c.Analyst, c.Stage) == g.Key).Min(c => c.FirstMs));
        }
    }

    [Fact]
    public void Whole_days_read_from_the_day_counts_equal_the_rows_with_edges_that_cut_days()
    {
        var store = new AnalyticsStore(DbPath);
        Record(store);
        var midnight = AnalyticsStore.Day(T0) * Day;
        // Aligned on both ends, cut at both ends, one day, less than a day.
        AssertSameCounts(store, midnight + Day, midnight + (5 * Day));
        AssertSameCounts(store, T0 + (13 * 60 * Minute) + 17, T0 + (6 * Day) - 5);
        AssertSameCounts(store, midnight + (2 * Day), midnight + (3 * Day));
        AssertSameCounts(store, midnight + (2 * Day) + (3 * 60 * Minute), midnight + (2 * Day) + (20 * 60 * Minute));
    }

    [Fact]
    public void A_history_written_before_the_day_counts_existed_gets_them_when_opened()
    {
        Record(new AnalyticsStore(DbPath));
        // The file as an older aeg left it: no day-count tables.
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE analytics_transition_days; DROP TABLE analytics_note_days; DROP TABLE analytics_duration_days";
            drop.ExecuteNonQuery();
        }

        var reopened = new AnalyticsStore(DbPath);
        var midnight = AnalyticsStore.Day(T0) * Day;
        AssertSameCounts(reopened, midnight + Day, midnight + (6 * Day));
        AssertSameCounts(reopened, T0 + 5, T0 + (7 * Day) + 11);
    }

    [Fact]
    public async Task Retention_that_cuts_a_day_leaves_its_counts_equal_to_the_rows_it_kept()
    {
        var store = new AnalyticsStore(DbPath);
        Record(store);
        var midnight = AnalyticsStore.Day(T0) * Day;
        // Now is such that the cutoff falls at 14:00 on the fourth day.
        var cutoff = midnight + (3 * Day) + (14 * 60 * Minute);
        var keep = TimeSpan.FromDays(2);
        var retention = new AnalyticsRetention(store, keep, new LoggerConfiguration().CreateLogger(),
            new FixedTime(DateTimeOffset.FromUnixTimeMilliseconds(cutoff) + keep));
        Assert.True(await retention.PruneAsync() > 0);

        // The cut day and the days before it: only what the rows still hold.
        AssertSameCounts(store, midnight, midnight + (5 * Day));
        Assert.Empty(store.ReadPeriod(midnight, midnight + (3 * Day)).StageCounts);
    }
}
