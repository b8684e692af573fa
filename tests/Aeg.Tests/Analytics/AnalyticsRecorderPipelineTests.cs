using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.State;
using Microsoft.Data.Sqlite;
using Serilog;

namespace Aeg.Tests.Analytics;

/// <summary>
/// Backlog batches recorded beside their sending: several in flight, in order, and never a
/// position past a batch that failed.
/// </summary>
public sealed class AnalyticsRecorderPipelineTests : IDisposable
{
    private static readonly long T0 = new DateTimeOffset(2026, 10, 5, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-analytics-pipe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AnalyticsRecorder Open() => AnalyticsRecorder.Open(new AnalyticsOptions(), _dir, new LoggerConfiguration().CreateLogger());

    // Batch b of a backlog: events b*size+1 … (b+1)*size, one ms apart, each moved to Initial by its own analyst.
    private static AnnotationRow[] Fill(AnnotationRow[] rows, int b)
    {
        for (var i = 0; i < rows.Length; i++)
        {
            var id = (b * rows.Length) + i + 1;
            rows[i] ??= new AnnotationRow();
            rows[i].EventId = id;
            rows[i].Version = 1;
            rows[i].ModificationTimeMs = T0 + id;
            rows[i].ModifiedBy = "analyst" + (id % 7);
            rows[i].StageName = "Initial";
            rows[i].Flags = 0;
            rows[i].ManagerReceiptTimeMs = T0 - 60_000;
        }
        return rows;
    }

    private static AnnotationCursor Key(AnnotationRow row) => new(row.ModificationTimeMs, row.EventId);

    [Fact]
    public void Backlog_batches_committed_back_to_back_are_all_recorded_in_order_although_the_poller_reuses_its_rows()
    {
        var recorder = Open();
        var start = new AnnotationCursor(T0, 0);
        recorder.Start(start);
        // One buffer, refilled for every batch as the poller does: the recorder must copy.
        var rows = new AnnotationRow[100];
        var from = start;
        const int batches = AnalyticsRecorder.MaxInFlight * 3;
        for (var b = 0; b < batches; b++)
        {
            Fill(rows, b);
            var upTo = Key(rows[^1]);
            recorder.Committed(new CommittedBatch(rows, rows.Length, from, upTo, Full: true));
            from = upTo;
        }
        recorder.Complete();

        var transitions = recorder.Store.Transitions();
        Assert.Equal(Enumerable.Range(1, batches * 100).Select(i => (long)i), transitions.Select(t => t.EventId).Order());
        Assert.All(transitions, t => Assert.Equal("analyst" + (t.EventId % 7), t.Analyst));
        Assert.Equal(batches * 100, recorder.Store.Durations().Count(d => d.Kind == DurationKind.Respond));
        Assert.Equal(from, recorder.Store.RecordedUpTo());
        Assert.Equal(from, recorder.RecordedUpTo);
        Assert.Equal(batches * 100, recorder.Histograms.Counters.RowsRecorded);
    }

    [Fact]
    public void A_batch_that_fails_in_flight_stops_the_ones_queued_after_it_and_the_position_stays_before_it()
    {
        var recorder = Open();
        var start = new AnnotationCursor(T0, 0);
        recorder.Start(start);
        // Event 150 (the second batch) cannot be written.
        using (var connection = new SqliteConnection($"Data Source={recorder.Store.Path}"))
        {
            connection.Open();
            using var trigger = connection.CreateCommand();
            trigger.CommandText = "CREATE TRIGGER refuse_150 BEFORE INSERT ON analytics_events WHEN NEW.event_id = 150 BEGIN SELECT RAISE(ABORT, 'refused'); END";
            trigger.ExecuteNonQuery();
        }
        var from = start;
        AnnotationCursor? afterFirst = null;
        for (var b = 0; b < 4; b++)
        {
            var rows = Fill(new AnnotationRow[100], b);
            var upTo = Key(rows[^1]);
            recorder.Committed(new CommittedBatch(rows, rows.Length, from, upTo, Full: true));
            afterFirst ??= upTo;
            from = upTo;
        }
        recorder.Complete();

        // The first batch is in; the second failed; the third and fourth, which would have
        // written fine, were not recorded out of order past it.
        Assert.Equal(afterFirst, recorder.Store.RecordedUpTo());
        Assert.Equal(afterFirst, recorder.RecordedUpTo);
        Assert.Equal(100, recorder.Store.Transitions().Count);
        Assert.Null(recorder.Store.Find(101));
        Assert.Null(recorder.Store.Find(301));
        Assert.Equal(1, recorder.Histograms.Counters.RecordFailures);
        Assert.Equal(100, recorder.Histograms.Counters.RowsRecorded);

        // Later batches do not follow the history either: they are left to the catch-up.
        var next = Fill(new AnnotationRow[100], 4);
        recorder.Committed(new CommittedBatch(next, next.Length, from, Key(next[^1]), Full: false));
        recorder.Complete();
        Assert.Equal(afterFirst, recorder.Store.RecordedUpTo());
    }

    [Fact]
    public void The_store_refuses_a_batch_that_does_not_start_where_the_history_ends()
    {
        var store = new AnalyticsStore(Path.Combine(_dir, "analytics.db"));
        var deriver = new TransitionDeriver(new AnalyticsOptions());
        var start = new AnnotationCursor(T0, 0);
        store.SetRecordedUpTo(start);
        var rows = Fill(new AnnotationRow[10], 1).Select(AnalyticsRow.From).ToList();

        var wrong = new AnnotationCursor(T0 + 5, 5);
        var refused = Assert.Throws<InvalidOperationException>(() => store.ApplyAfter(wrong, rows, deriver, new AnnotationCursor(T0 + 20, 20)));
        Assert.Contains("left to the catch-up", refused.Message);
        Assert.Empty(store.Transitions());
        Assert.Equal(start, store.RecordedUpTo());

        store.ApplyAfter(start, rows, deriver, new AnnotationCursor(T0 + 20, 20));
        Assert.Equal(10, store.Transitions().Count);
        Assert.Equal(new AnnotationCursor(T0 + 20, 20), store.RecordedUpTo());
    }
}
