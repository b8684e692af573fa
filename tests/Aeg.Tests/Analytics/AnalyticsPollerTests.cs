using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.Tests.Annotations;
using Serilog;

namespace Aeg.Tests.Analytics;

/// <summary>The poller's analytics hook against the real MariaDB: every committed row is recorded, and a broken history never stops events.</summary>
public sealed class AnalyticsPollerTests
{
    private static readonly long HourAgoMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    private static AnnotationPoller CreatePoller(PollerHarness h, RecordingSyslogSender sender, AnalyticsRecorder recorder)
    {
        var poller = new AnnotationPoller(new AnnotationSource(h.Db.Database, h.Source), new AnnotationMapper(PollerHarness.Mappings, new(), "aeg-test.example.com"),
            sender, h.StateFile, h.Options, new LoggerConfiguration().CreateLogger(), analytics: recorder);
        poller.Initialize();
        return poller;
    }

    [Fact]
    public async Task Every_committed_batch_is_recorded_once_even_when_the_cycle_is_repeated()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = 1000;
        await h.Db.InsertRangeAsync(firstId: 1, count: 2500, firstMs: HourAgoMs, stepMs: 1, stage: 2);
        var recorder = AnalyticsRecorder.Open(new AnalyticsOptions(), h.StateDirectory, new LoggerConfiguration().CreateLogger());
        var sender = new RecordingSyslogSender();
        await using (var poller = CreatePoller(h, sender, recorder))
        {
            Assert.Equal(2500, await poller.PollOnceAsync(CancellationToken.None));
        }
        Assert.Equal(2500, recorder.Histograms.Counters.RowsRecorded);
        // Every row is a first sight at stage Initial: a response with no MRT in the script's rows.
        Assert.Equal(2500, recorder.Store.Transitions().Count);

        // The cursor file is lost (or a crash came before it was written): the rows come again.
        File.Delete(h.StateFile.Path);
        await using (var again = CreatePoller(h, sender, recorder))
        {
            Assert.Equal(2500, await again.PollOnceAsync(CancellationToken.None));
        }
        Assert.Equal(5000, sender.Flushed.Count);
        Assert.Equal(2500, recorder.Store.Transitions().Count);
        Assert.Equal(2500, recorder.Histograms.Counters.StaleRows);
    }

    [Fact]
    public async Task A_broken_history_is_counted_per_batch_and_every_event_is_still_sent()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = 1000;
        await h.Db.InsertRangeAsync(firstId: 1, count: 2500, firstMs: HourAgoMs, stepMs: 1);
        var recorder = AnalyticsRecorder.Open(new AnalyticsOptions(), h.StateDirectory, new LoggerConfiguration().CreateLogger());
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={recorder.Store.Path}"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE analytics_events";
            drop.ExecuteNonQuery();
        }
        var sender = new RecordingSyslogSender();
        await using var poller = CreatePoller(h, sender, recorder);

        Assert.Equal(2500, await poller.PollOnceAsync(CancellationToken.None));

        Assert.Equal(Enumerable.Range(1, 2500).Select(i => (long)i), PollerHarness.EventIds(sender.Flushed));
        Assert.Equal(2500, h.StateFile.Load()!.Cursor.EventId);
        Assert.Equal(3, recorder.Histograms.Counters.RecordFailures);
        Assert.Equal(0, recorder.Histograms.Counters.RowsRecorded);
    }
}
