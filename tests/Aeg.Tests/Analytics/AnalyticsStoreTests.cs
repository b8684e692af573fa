using System.Globalization;
using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Metrics;
using Aeg.State;
using Serilog;

namespace Aeg.Tests.Analytics;

/// <summary>The SQLite history, the recorder around it and the histograms rebuilt from it.</summary>
public sealed class AnalyticsStoreTests : IDisposable
{
    private const long Minute = 60_000;
    private static readonly long T0 = new DateTimeOffset(2026, 10, 5, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-analytics-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string DbPath => Path.Combine(_dir, "analytics.db");

    private static AnalyticsRow Row(long eventId, long version, long time, string user, string stage, long flags = 0) =>
        new(eventId, version, time, user, stage, flags, T0 - 10 * Minute, null);

    private static List<AnalyticsRow> Script(int events) => [.. Enumerable.Range(1, events).SelectMany(e => new[]
    {
        Row(e, 1, T0, "system", "Queued"),
        Row(e, 2, T0 + e * Minute, e % 2 == 0 ? "alice" : "bob", "Initial", flags: 1),
        Row(e, 3, T0 + (10 + e) * Minute, "carol", "Closed", flags: 1),
    })];

    private static Aeg.Annotations.AnnotationRow[] PollerRows(int events, long version, string stage) =>
        [.. Enumerable.Range(1, events).Select(e => new Aeg.Annotations.AnnotationRow
        {
            EventId = e, Version = version, ModificationTimeMs = T0 + (version * Minute) + e, ModifiedBy = "dana",
            StageName = stage, Flags = 0, ManagerReceiptTimeMs = T0 - Minute,
        })];

    private static Aeg.State.AnnotationCursor Key(Aeg.Annotations.AnnotationRow row) => new(row.ModificationTimeMs, row.EventId);

    private static CommittedBatch Batch(Aeg.Annotations.AnnotationRow[] rows, int count, AnnotationCursor from, bool full = false) =>
        new(rows, count, from, Key(rows[count - 1]), full);

    [Fact]
    public void A_committed_batch_is_recorded_once_it_follows_the_history_and_its_rows_may_be_reused_at_once()
    {
        var recorder = AnalyticsRecorder.Open(new AnalyticsOptions(), _dir, new LoggerConfiguration().CreateLogger());
        var rows = PollerRows(50, 1, "Initial");
        var before = new AnnotationCursor(T0, 0);
        recorder.Start(before);

        // A batch that does not follow the history is left to the catch-up.
        recorder.Committed(Batch(rows, rows.Length, Key(rows[0])));
        recorder.Complete();
        Assert.Empty(recorder.Store.Transitions());
        Assert.Null(recorder.Store.Find(1));
        Assert.Equal(before, recorder.Store.RecordedUpTo());

        // A backlog batch (full) is recorded beside its sending, like a short one.
        recorder.Committed(Batch(rows, 30, before, full: true));
        // The poller refills its row buffers after the batch: the recorder must have copied them.
        foreach (var r in rows)
        {
            r.StageName = "Closed";
            r.ModifiedBy = "mallory";
        }
        recorder.Complete();

        var transitions = recorder.Store.Transitions();
        Assert.Equal(30, transitions.Count);
        Assert.All(transitions, t => Assert.Equal(("dana", "Queued", "Initial"), (t.Analyst, t.FromStage, t.ToStage)));
        Assert.Null(recorder.Store.Find(31));
        Assert.Equal(30, recorder.Histograms.Counters.RowsRecorded);
        Assert.Equal(0, recorder.Histograms.Counters.RecordFailures);
        // The history's position moves in the same commit, to the batch's last row.
        Assert.Equal(Key(rows[29]), recorder.Store.RecordedUpTo());
        Assert.Equal(Key(rows[29]), recorder.RecordedUpTo);

        // A second batch builds on the first one's committed history.
        var next = PollerRows(30, 2, "Closed");
        recorder.Committed(Batch(next, next.Length, Key(rows[29])));
        recorder.Complete();
        Assert.Equal(60, recorder.Store.Transitions().Count);
        Assert.Equal("Closed", recorder.Store.Find(30)!.Stage);
    }

    [Fact]
    public void A_batch_applied_twice_is_recorded_once_and_histograms_rebuild_from_the_file()
    {
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        var rows = Script(5);
        var store = new AnalyticsStore(DbPath);
        store.Apply(rows, deriver);
        var resent = store.Apply(rows, deriver);

        Assert.All(resent, o => Assert.Equal(HistoryNote.StaleRow, Assert.Single(o.Notes).Note));
        var durations = new AnalyticsStore(DbPath).Durations();
        Assert.Equal(15, durations.Count);
        Assert.Equal(3, durations.Count(d => d.Kind == DurationKind.Respond && d.Analyst == "bob"));
        Assert.Equal(5, durations.Count(d => d.Kind == DurationKind.Close && d.Analyst == "carol"));
        Assert.Equal(10, new AnalyticsStore(DbPath).Transitions().Count);
        Assert.Equal(3, new AnalyticsStore(DbPath).Find(4)!.Version);

        // A new process: the histograms come back from SQLite with the same counts and sums.
        var text = new StringWriter();
        AnalystHistograms.Load(new AnalyticsStore(DbPath)).WriteTo(new PrometheusTextWriter(text));
        var samples = text.ToString().Split('\n');
        foreach (var g in durations.GroupBy(d => (d.Kind, d.Analyst)))
        {
            var family = $"aeg_analyst_time_to_{g.Key.Kind.ToString().ToLowerInvariant()}_seconds";
            Assert.Contains($"{family}_count{{analyst=\"{g.Key.Analyst}\",obtained=\"observed\"}} {g.Count()}", samples);
            Assert.Contains($"{family}_sum{{analyst=\"{g.Key.Analyst}\",obtained=\"observed\"}} {g.Sum(d => d.Seconds).ToString("R", CultureInfo.InvariantCulture)}", samples);
        }
        Assert.Contains("# TYPE aeg_analyst_time_to_close_seconds histogram", samples);
    }

    [Fact]
    public void Histograms_restart_from_bucket_totals_kept_with_the_durations_and_an_older_history_gets_them_once()
    {
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        // Respond times on, just over and far past the bucket bounds (60 s is an exact bound).
        long[] lengths = [0, 1, 60_000, 60_001, 299_999, 3_600_000, 8 * 86_400_000L, 60_000, 43_200_000];
        var rows = lengths.Select((d, i) => Row(i + 1, 1, T0 - (10 * Minute) + d, i % 3 == 0 ? "alice" : "bob", "Initial")).ToList();
        var store = new AnalyticsStore(DbPath);
        store.Apply(rows[..4], deriver);
        store.Apply(rows[4..], deriver);

        // What the histograms hold when every duration is observed one by one.
        var observed = new AnalystHistograms();
        foreach (var d in store.Durations())
        {
            observed.Observe(d);
        }
        Assert.Equal(lengths.Length, store.Durations().Count);
        var expected = Scrape(observed);
        Assert.Contains("aeg_analyst_time_to_respond_seconds_bucket{analyst=\"bob\",obtained=\"observed\",le=\"60\"} 3", expected);

        // Kept by the recording itself (the same store: nothing was opened since).
        AssertSameHistograms(expected, Scrape(AnalystHistograms.Load(store)));

        // A history from before the totals: they are computed once, in SQL, when it is opened.
        Sql("DROP TABLE analytics_buckets");
        AssertSameHistograms(expected, Scrape(AnalystHistograms.Load(new AnalyticsStore(DbPath))));

        // The totals, not the durations, are what a restart reads.
        Sql("DELETE FROM analytics_durations");
        AssertSameHistograms(expected, Scrape(AnalystHistograms.Load(new AnalyticsStore(DbPath))));
    }

    [Fact]
    public void A_review_set_between_polls_is_credited_as_inferred_in_the_history_the_metrics_and_the_report()
    {
        // Issue 20, disagreement 2: alice marks the event reviewed, bob moves it to Follow-Up, both
        // between two polls; the audit trail keeps bob's stage change and no flags.
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        var store = new AnalyticsStore(DbPath);
        store.Apply([Row(1, 1, T0, "system", "Queued")], deriver);
        var trail = $"3,{T0 + 9 * Minute},bob,Follow-Up,,,,\n1,{T0},system,Queued,,,,\n";
        store.Apply([new AnalyticsRow(1, 3, T0 + 9 * Minute, "bob", "Follow-Up", 1, T0 - 10 * Minute, trail)], deriver);

        var review = Assert.Single(store.Durations(), d => d.Kind == DurationKind.Review);
        Assert.Equal(("bob", DurationSource.Inferred), (review.Analyst, review.Source));
        Assert.Equal(DurationSource.Observed, Assert.Single(store.Durations(), d => d.Kind == DurationKind.Respond).Source);
        Assert.Contains("aeg_analyst_time_to_review_seconds_count{analyst=\"bob\",obtained=\"inferred\"} 1", Scrape(AnalystHistograms.Load(new AnalyticsStore(DbPath))));

        var report = AnalystReport.Build(new AnalyticsStore(DbPath), DateTimeOffset.FromUnixTimeMilliseconds(T0), DateTimeOffset.FromUnixTimeMilliseconds(T0 + 60 * Minute));
        Assert.Equal(new ObtainedSplit("review", 0, 0, 1), report.Obtained.Single(o => o.Measure == "review"));
        Assert.Equal(new ObtainedSplit("respond", 1, 0, 0), report.Obtained.Single(o => o.Measure == "respond"));
        Assert.Contains("review 0 observed, 0 recovered from the audit trail, 1 inferred credit", ReportText.ToTable(report));
    }

    [Fact]
    public void A_history_written_before_durations_had_a_source_opens_with_every_duration_observed()
    {
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        new AnalyticsStore(DbPath).Apply(Script(4), deriver);
        // The columns as the first release wrote them: none of the new ones.
        Sql("DROP TABLE analytics_buckets");
        Sql("ALTER TABLE analytics_durations DROP COLUMN source");
        Sql("ALTER TABLE analytics_events DROP COLUMN review_anchor_inferred");
        Sql("ALTER TABLE analytics_events DROP COLUMN review_anchor_recovered");

        var store = new AnalyticsStore(DbPath);
        Assert.Equal(12, store.Durations().Count);
        Assert.All(store.Durations(), d => Assert.Equal(DurationSource.Observed, d.Source));
        Assert.False(store.Find(2)!.ReviewAnchorInferred);
        Assert.False(store.Find(2)!.ReviewAnchorRecovered);
        Assert.Equal(12, store.BucketTotals().Sum(t => t.Count));
        // And it records on.
        store.Apply([Row(9, 1, T0, "system", "Queued"), Row(9, 2, T0 + Minute, "dana", "Initial")], deriver);
        Assert.Equal(13, store.BucketTotals().Sum(t => t.Count));
    }

    private static string[] Scrape(AnalystHistograms histograms)
    {
        var text = new StringWriter();
        histograms.WriteTo(new PrometheusTextWriter(text));
        return [.. text.ToString().Split('\n').Where(l => l.StartsWith("aeg_analyst_time_to_", StringComparison.Ordinal))];
    }

    // Sums may differ in the last bits (totals are kept in milliseconds); everything else is exact.
    private static void AssertSameHistograms(string[] expected, string[] actual)
    {
        Assert.Equal(expected.Where(l => !l.Contains("_sum{")), actual.Where(l => !l.Contains("_sum{")));
        var sums = expected.Where(l => l.Contains("_sum{")).Zip(actual.Where(l => l.Contains("_sum{")));
        Assert.All(sums, p =>
        {
            Assert.Equal(p.First[..p.First.LastIndexOf(' ')], p.Second[..p.Second.LastIndexOf(' ')]);
            Assert.Equal(double.Parse(p.First[(p.First.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture),
                double.Parse(p.Second[(p.Second.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture), 6);
        });
        Assert.Equal(expected.Count(l => l.Contains("_sum{")), actual.Count(l => l.Contains("_sum{")));
    }

    private void Sql(string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void Histograms_count_each_duration_once_whether_it_was_recorded_before_or_after_the_first_scrape()
    {
        var recorder = AnalyticsRecorder.Open(new AnalyticsOptions(), _dir, new LoggerConfiguration().CreateLogger());
        var rows = Script(6);
        string Count()
        {
            var text = new StringWriter();
            recorder.Histograms.WriteTo(new PrometheusTextWriter(text));
            return text.ToString().Split('\n').Single(l => l.StartsWith("aeg_analyst_time_to_close_seconds_count{analyst=\"carol\",obtained=\"observed\"}", StringComparison.Ordinal));
        }
        void Record(IEnumerable<AnalyticsRow> batch)
        {
            var late = batch.Select(r => new Aeg.Annotations.AnnotationRow
            {
                EventId = r.EventId,
                Version = r.Version,
                ModificationTimeMs = r.ModificationTimeMs,
                ModifiedBy = r.ModifiedBy,
                StageName = r.Stage,
                Flags = r.Flags,
                ManagerReceiptTimeMs = r.ManagerReceiptTimeMs,
            }).ToArray();
            recorder.Committed(new CommittedBatch(late, late.Length, From: null, default, Full: false));
        }

        Record(rows.Where(r => r.EventId <= 2));
        var closes = () => recorder.Store.Durations().Count(d => d.Kind == DurationKind.Close && d.Analyst == "carol");
        Assert.Equal($"aeg_analyst_time_to_close_seconds_count{{analyst=\"carol\",obtained=\"observed\"}} {closes()}", Count());
        Record(rows.Where(r => r.EventId > 2));
        Assert.Equal(6, closes());
        Assert.Equal($"aeg_analyst_time_to_close_seconds_count{{analyst=\"carol\",obtained=\"observed\"}} {closes()}", Count());
    }

    private static CommittedBatch Late(Aeg.Annotations.AnnotationRow row) => new([row], 1, From: null, default, Full: false);

    [Fact]
    public void A_recorder_that_cannot_write_logs_and_counts_instead_of_throwing()
    {
        var recorder = AnalyticsRecorder.Open(new AnalyticsOptions(), _dir, new LoggerConfiguration().CreateLogger());
        var row = new Aeg.Annotations.AnnotationRow { EventId = 1, Version = 1, ModificationTimeMs = T0, StageName = "Queued" };
        recorder.Committed(Late(row));
        Assert.Equal(1, recorder.Histograms.Counters.RowsRecorded);

        // Someone damaged the history: every statement on the events table now fails.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE analytics_events";
            drop.ExecuteNonQuery();
        }
        row.Version = 2;
        row.StageName = "Initial";
        recorder.Committed(Late(row));

        Assert.Equal(1, recorder.Histograms.Counters.RecordFailures);
        Assert.Equal(1, recorder.Histograms.Counters.RowsRecorded);
        recorder.Complete(); // the failed rows are not retried forever
        Assert.Equal(1, recorder.Histograms.Counters.RecordFailures);
    }

    [Fact]
    public void Percentiles_interpolate_between_ranks()
    {
        var s = DurationStats.Of([4, 1, 3, 2]);
        Assert.Equal(4, s.Count);
        Assert.Equal(2.5, s.MedianSeconds);
        Assert.Equal(3.7, s.P90Seconds!.Value, 9);
        Assert.Equal(2.5, s.MeanSeconds);
        Assert.Equal(new DurationStats(0, null, null, null), DurationStats.Of([]));
        Assert.Equal(7, DurationStats.Of([7]).P90Seconds);
    }

    [Fact]
    public void Report_covers_only_durations_ending_in_the_period_and_the_table_lists_every_analyst()
    {
        new AnalyticsStore(DbPath).Apply(Script(6), new TransitionDeriver(new AnalyticsOptions()));
        var from = DateTimeOffset.FromUnixTimeMilliseconds(T0 + 3 * Minute);
        var report = AnalystReport.Build(new AnalyticsStore(DbPath), from, from.AddHours(1));

        var bob = report.Analysts.Single(a => a.Analyst == "bob");
        // Responses at +1, +3, +5 minutes (odd events); +1 is before the period.
        var expected = new[] { 3, 5 }.Select(e => (T0 + e * Minute - (T0 - 10 * Minute)) / 1000.0).ToArray();
        Assert.Equal(2, bob.TimeToRespond.Count);
        Assert.Equal(expected.Average(), bob.TimeToRespond.MedianSeconds);
        Assert.Equal(6, report.Analysts.Single(a => a.Analyst == "carol").TimeToClose.Count);
        Assert.Equal(6, report.Analysts.Single(a => a.Analyst == "carol").Stages["Closed"]);
        Assert.Equal(14, report.TimeToCloseDistribution.Count);
        Assert.Equal(6, report.TimeToCloseDistribution.Sum(b => b.Count));

        var table = ReportText.ToTable(report);
        Assert.Contains("TIME TO RESPOND", table);
        Assert.All(new[] { "alice", "bob", "carol" }, a => Assert.Contains(a, table));
        var csv = ReportText.ToCsv(report).Split("\r\n");
        Assert.StartsWith("analyst,respond_count,respond_median_seconds", csv[0]);
        // The first block has a line per analyst; the manager's sections follow after a blank line.
        Assert.Equal(["analyst", "alice", "bob", "carol"], csv.TakeWhile(l => l != "").Select(l => l.Split(',')[0]));
    }

    [Fact]
    public void A_report_aggregated_in_sql_equals_the_one_computed_from_every_row_of_the_period()
    {
        // Many events over several days: analysts, stage spellings that differ in case, gaps
        // recovered from the audit trail, re-opens, stale rows; a period that cuts through them.
        var random = new Random(20);
        string[] analysts = ["alice", "bob", "carol", "dana"];
        string[] stages = ["Queued", "Initial", "initial", "Follow-Up", "Final", "Closed", "closed"];
        var rows = new List<AnalyticsRow>();
        for (var e = 1; e <= 400; e++)
        {
            var t = T0 + (random.Next(0, 6 * 24 * 60) * Minute);
            for (var v = 1; v <= random.Next(1, 6); v++)
            {
                t += random.Next(1, 600) * 1000L;
                var version = v + (random.Next(10) == 0 ? 1 : 0);
                var audit = $"1,{t - 1000},{analysts[random.Next(4)]},Initial,,,,\n";
                rows.Add(new AnalyticsRow(e, version, t, analysts[random.Next(4)], stages[random.Next(stages.Length)], random.Next(4), T0 - 10 * Minute, audit));
            }
        }
        var store = new AnalyticsStore(DbPath);
        store.Apply([.. rows.OrderBy(r => r.ModificationTimeMs)], new TransitionDeriver(new AnalyticsOptions()));
        var from = DateTimeOffset.FromUnixTimeMilliseconds(T0 + (26 * 60 * Minute));
        var to = from.AddDays(3);

        var report = AnalystReport.Build(store, from, to);

        // The same report from the rows themselves.
        var durations = store.Durations(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var transitions = store.Transitions(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var notes = store.Notes(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        Assert.True(durations.Count > 200 && transitions.Count > 300 && notes.Count > 10, $"{durations.Count} {transitions.Count} {notes.Count}");
        var stageNames = transitions.Select(t => t.ToStage).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(stageNames, report.Stages);
        var names = durations.Select(d => d.Analyst).Concat(transitions.Select(t => t.Analyst)).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, report.Analysts.Select(a => a.Analyst));
        foreach (var a in report.Analysts)
        {
            foreach (var (kind, stats) in new[] { (DurationKind.Respond, a.TimeToRespond), (DurationKind.Review, a.TimeToReview), (DurationKind.Close, a.TimeToClose) })
            {
                Assert.Equal(DurationStats.Of(durations.Where(d => d.Analyst == a.Analyst && d.Kind == kind).Select(d => d.Seconds)), stats);
            }
            var expectedStages = transitions.Where(t => t.Analyst == a.Analyst).GroupBy(t => t.ToStage, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => stageNames.Single(s => string.Equals(s, g.Key, StringComparison.OrdinalIgnoreCase)), g => g.Count());
            Assert.Equal(expectedStages.OrderBy(p => p.Key, StringComparer.Ordinal), a.Stages);
        }
        Assert.Equal(notes.GroupBy(n => n.Note.ToString()).ToDictionary(g => g.Key, g => g.Count()).OrderBy(p => p.Key, StringComparer.Ordinal), report.Notes);
        static string Day(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(transitions.Count, report.Daily.Sum(d => d.Transitions));
        Assert.All(report.Daily, d =>
        {
            Assert.Equal(transitions.Count(t => Day(t.TimeMs) == d.Date), d.Transitions);
            Assert.Equal(durations.Count(x => x.Kind == DurationKind.Close && Day(x.EndMs) == d.Date), d.Closes);
        });
        Assert.Equal(4, report.Daily.Count);
        Assert.Equal(durations.Count(d => d.Kind == DurationKind.Close), report.TimeToCloseDistribution.Sum(b => b.Count));
    }

    [Fact]
    public void Analytics_section_is_validated_with_keys()
    {
        var o = new AegOptions { Analytics = new AnalyticsOptions { ReviewedFlagBit = null, FinalStages = ["Queued", ""] } };
        var problems = o.Analytics.Validate("analytics").ToList();
        Assert.Contains(problems, p => p.Key == "analytics.reviewedFlagBit");
        Assert.Contains(problems, p => p.Key == "analytics.finalStages[1]");
        Assert.Contains(problems, p => p.Key == "analytics.finalStages" && p.Reason.Contains("initial stage"));
        Assert.Empty(new AnalyticsOptions().Validate("analytics"));
        Assert.Contains(new AnalyticsOptions { ReviewedFlagBit = 63 }.Validate("analytics"), p => p.Key == "analytics.reviewedFlagBit");
    }
}
