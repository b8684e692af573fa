using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.IntegrationTests.Annotations;
using Aeg.State;
using Serilog;

namespace Aeg.IntegrationTests.Analytics;

/// <summary>The poller's analytics hook against the real MariaDB: every committed row is recorded, and a broken history never stops events.</summary>
public sealed class AnalyticsPollerTests
{
    private static readonly long HourAgoMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    private static AnnotationPoller CreatePoller(PollerHarness h, RecordingSyslogSender sender, AnalyticsRecorder recorder)
    {
        var poller = new AnnotationPoller(new AnnotationSource(h.Db.Database, h.Source), new AnnotationMapper(PollerHarness.Mappings, new(), "aeg-test.example.com"),
            sender, h.StateFile, h.Options, new LoggerConfiguration().CreateLogger(), consumer: recorder);
        poller.Initialize();
        return poller;
    }

    /// <summary>A harness with 2500 rows an hour old at <paramref name="stage"/>, read in batches of 1000.</summary>
    private static async Task<PollerHarness> BacklogAsync(int stage)
    {
        var h = await PollerHarness.CreateAsync();
        try
        {
            h.Options.BatchSize = 1000;
            await h.Db.InsertRangeAsync(firstId: 1, count: 2500, firstMs: HourAgoMs, stepMs: 1, stage: stage);
            return h;
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    private static AnalyticsRecorder OpenRecorder(PollerHarness h) =>
        AnalyticsRecorder.Open(new AnalyticsOptions(), h.StateDirectory, new LoggerConfiguration().CreateLogger());

    [Fact]
    public async Task Every_sent_row_is_recorded_once_even_when_the_cycle_is_repeated()
    {
        await using var h = await BacklogAsync(stage: 2);
        var recorder = OpenRecorder(h);
        var sender = new RecordingSyslogSender();
        AnnotationCursor sentUpTo;
        await using (var poller = CreatePoller(h, sender, recorder))
        {
            Assert.Equal(2500, await poller.PollOnceAsync(CancellationToken.None));
            sentUpTo = poller.Cursor;
        }
        Assert.Equal(2500, recorder.Histograms.Counters.RowsRecorded);
        // Every row is a first sight at stage Initial: a response with no MRT in the script's rows.
        Assert.Equal(2500, recorder.Store.Transitions().Count);
        Assert.Equal(sentUpTo, recorder.Store.RecordedUpTo());

        // The cursor file is lost (or a crash came before it was written): the rows come again,
        // and the history, whose own position is past them, leaves them alone.
        File.Delete(h.StateFile.Path);
        await using (var again = CreatePoller(h, sender, recorder))
        {
            Assert.Equal(2500, await again.PollOnceAsync(CancellationToken.None));
        }
        Assert.Equal(5000, sender.Flushed.Count);
        Assert.Equal(2500, recorder.Store.Transitions().Count);
        Assert.Equal(2500, recorder.Histograms.Counters.RowsRecorded);
    }

    [Fact]
    public async Task A_backlog_is_recorded_beside_its_sending_with_no_time_left_for_a_catch_up()
    {
        await using var h = await BacklogAsync(stage: 2);
        var recorder = OpenRecorder(h);
        var sender = new RecordingSyslogSender();
        await using var poller = CreatePoller(h, sender, recorder);

        // No time for a catch-up in this cycle: the three batches were recorded while the next ones were sent.
        Assert.Equal(2500, await poller.PollOnceAsync(CancellationToken.None, catchUpBudget: TimeSpan.Zero));
        Assert.Equal(2500, sender.Flushed.Count);
        Assert.Equal(Enumerable.Range(1, 2500).Select(i => (long)i), recorder.Store.Transitions().Select(t => t.EventId).Order());
        Assert.Equal(poller.Cursor, recorder.Store.RecordedUpTo());
        Assert.Equal(2500, recorder.Histograms.Counters.RowsRecorded);

        // The next cycle has nothing to send or record.
        Assert.Equal(0, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(2500, recorder.Store.Transitions().Count);
        Assert.Equal(0, recorder.Histograms.Counters.StaleRows);
    }

    [Fact]
    public async Task Metrics_catching_up_never_record_rows_that_were_not_sent_yet()
    {
        await using var h = await BacklogAsync(stage: 2);
        var recorder = OpenRecorder(h);
        // Ten rows commit while the backlog's last event is sent: after the cycle's last read, before the catch-up.
        var sender = new RecordingSyslogSender
        {
            BeforeSend = n =>
            {
                if (n == 2500)
                {
                    h.Db.InsertRangeAsync(firstId: 2501, count: 10, firstMs: HourAgoMs + 10_000, stepMs: 1, stage: 2).GetAwaiter().GetResult();
                }
            },
        };
        await using var poller = CreatePoller(h, sender, recorder);

        Assert.Equal(2500, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(2500, recorder.Store.Transitions().Count);
        Assert.DoesNotContain(recorder.Store.Transitions(), t => t.EventId > 2500);
        Assert.Equal(poller.Cursor, recorder.Store.RecordedUpTo());

        // At the head of the table the short batch is recorded beside its sending.
        Assert.Equal(10, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(2510, recorder.Store.Transitions().Count);
        Assert.Equal(new AnnotationCursor(HourAgoMs + 10_009, 2510), recorder.Store.RecordedUpTo());
    }

    [Fact]
    public async Task A_broken_history_is_counted_per_batch_and_every_event_is_still_sent()
    {
        await using var h = await BacklogAsync(stage: 1);
        var recorder = OpenRecorder(h);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={recorder.Store.Path}"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE analytics_events";
            drop.ExecuteNonQuery();
        }
        var sender = new RecordingSyslogSender();
        await using (var poller = CreatePoller(h, sender, recorder))
        {
            Assert.Equal(2500, await poller.PollOnceAsync(CancellationToken.None));
        }

        Assert.Equal(Enumerable.Range(1, 2500).Select(i => (long)i), ParsedCef.EventIds(sender.Flushed));
        Assert.Equal(2500, h.StateFile.Load()!.Cursor.EventId);
        // The first batch recorded beside the sending fails (the ones queued after it are not
        // tried out of order), and the catch-up stops at its first failure: the next cycle tries the same rows again.
        Assert.Equal(2, recorder.Histograms.Counters.RecordFailures);
        Assert.Equal(0, recorder.Histograms.Counters.RowsRecorded);

        // Repaired (the store creates missing tables when opened): the same rows are recorded, once.
        var repaired = OpenRecorder(h);
        await using var next = CreatePoller(h, sender, repaired);
        Assert.Equal(0, await next.PollOnceAsync(CancellationToken.None));
        Assert.Equal(2500, repaired.Histograms.Counters.RowsRecorded);
        Assert.NotNull(repaired.Store.Find(1));
        Assert.NotNull(repaired.Store.Find(2500));
        Assert.Equal(next.Cursor, repaired.Store.RecordedUpTo());
    }
}
