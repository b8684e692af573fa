using Aeg.Annotations;
using Aeg.IntegrationTests.Rules;
using Aeg.State;
using Serilog.Events;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>Backlog drain progress against the real MariaDB: the total is counted once, lines say done / total and rate.</summary>
public sealed class DrainProgressTests
{
    [Fact]
    public async Task A_full_batch_starts_a_count_and_progress_lines_say_done_of_total()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 1, count: 1000, firstMs: 1_700_000_000_000, stepMs: 1);
        var sink = new LogCapture();
        var source = new AnnotationSource(h.Db.Database, h.Source);
        var progress = new DrainProgress(sink.Logger, source, AnnotationCursor.Before(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000)), batchSize: 100, TimeSpan.Zero);

        progress.BatchCommitted(100, CancellationToken.None);
        await WaitUntil.HoldsAsync(() => progress.Total is not null, "the backlog to be counted", TimeSpan.FromSeconds(30));
        Assert.Equal(1000, progress.Total);
        progress.BatchCommitted(100, CancellationToken.None);
        progress.Finished();

        var lines = sink.Lines(LogEventLevel.Information).ToList();
        Assert.Contains(lines, l => l.StartsWith("Backlog: 200/1000 rows sent (20%)", StringComparison.Ordinal) && l.Contains("rows/s"));
        Assert.Contains(lines, l => l.StartsWith("Backlog drained: 200 rows", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_poller_reports_a_drain_of_many_batches_but_not_a_cycle_that_fits_one_batch()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 1, count: 500, firstMs: 1_700_000_000_000, stepMs: 1);
        h.Options.BatchSize = 50;
        h.Options.LookBack = TimeSpan.Zero;
        var sink = new LogCapture();
        var sender = new RecordingSyslogSender();
        await using (var poller = new AnnotationPoller(new AnnotationSource(h.Db.Database, h.Source), new AnnotationMapper(PollerHarness.Mappings, new(), "aeg-test.example.com"),
            sender, h.StateFile, h.Options, sink.Logger))
        {
            poller.Initialize();
            Assert.Equal(500, await poller.PollOnceAsync(CancellationToken.None));
            await h.Db.InsertRangeAsync(firstId: 1001, count: 10, firstMs: 1_700_000_100_000, stepMs: 1);
            Assert.Equal(10, await poller.PollOnceAsync(CancellationToken.None));
        }
        var drained = sink.Lines(LogEventLevel.Information).Where(l => l.StartsWith("Backlog drained", StringComparison.Ordinal)).ToList();
        Assert.Equal("Backlog drained: 500 rows", Assert.Single(drained)[..25]);
    }
}
