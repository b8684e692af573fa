using Aeg.Annotations;
using Aeg.State;
using Serilog.Events;

namespace Aeg.Tests.Annotations;

/// <summary>Backlog drain lines: the first progress line already has the total, a rate and a time left.</summary>
public sealed class DrainProgressLineTests : IDisposable
{
    private static readonly AnnotationCursor Start = new(1_796_460_747_607, 1002);
    private readonly LogCapture _log = new();
    private readonly TimestampClock _clock = new();

    public void Dispose() => _log.Dispose();

    [Fact]
    public async Task The_first_progress_line_comes_once_the_count_is_in_and_says_total_rate_and_time_left()
    {
        var source = new CountingSource();
        var progress = new DrainProgress(_log.Logger, source, Start, batchSize: 100, TimeSpan.FromSeconds(10), _clock);

        progress.BatchCommitted(100, CancellationToken.None);
        Assert.Empty(Backlog());
        source.Count.SetResult(1000);
        await CountedAsync(progress);
        _clock.Advance(TimeSpan.FromSeconds(1));
        progress.BatchCommitted(100, CancellationToken.None);

        Assert.Equal(["Backlog: 200/1000 rows sent (20%), 200 rows/s, about 4.0s left"], Backlog());
        Assert.Contains("Draining a backlog from 2026-12-05T08:52:27.607Z / event 1002: counting the rows behind it", Lines());
        // The next line waits for the interval.
        _clock.Advance(TimeSpan.FromSeconds(1));
        progress.BatchCommitted(100, CancellationToken.None);
        Assert.Single(Backlog());
        _clock.Advance(TimeSpan.FromSeconds(9));
        progress.BatchCommitted(100, CancellationToken.None);
        Assert.Equal("Backlog: 400/1000 rows sent (40%), 36 rows/s, about 17s left", Backlog()[1]);
        progress.Finished();
        Assert.Equal("Backlog drained: 400 rows in 11s (36 rows/s)", Lines()[^1]);
    }

    [Fact]
    public async Task A_slow_count_leaves_no_line_without_a_total_until_three_intervals_have_passed()
    {
        var source = new CountingSource();
        var progress = new DrainProgress(_log.Logger, source, Start, batchSize: 100, TimeSpan.FromSeconds(10), _clock);

        progress.BatchCommitted(100, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(29));
        progress.BatchCommitted(100, CancellationToken.None);
        Assert.Empty(Backlog());
        _clock.Advance(TimeSpan.FromSeconds(1));
        progress.BatchCommitted(100, CancellationToken.None);
        Assert.Equal(["Backlog: 300 rows sent, 10 rows/s (total still being counted)"], Backlog());
        source.Count.SetResult(3000);
        await CountedAsync(progress);
        progress.BatchCommitted(100, CancellationToken.None);
        Assert.Equal("Backlog: 400/3000 rows sent (13%), 13 rows/s, about 3m 15s left", Backlog()[1]);
    }

    [Fact]
    public void A_cycle_that_fits_one_batch_says_nothing()
    {
        var progress = new DrainProgress(_log.Logger, new CountingSource(), Start, batchSize: 100, TimeSpan.Zero, _clock);

        progress.BatchCommitted(99, CancellationToken.None);
        progress.Finished();

        Assert.Empty(Lines());
    }

    // The count completes on the thread pool; the next committed batch is what reads it.
    private static Task CountedAsync(DrainProgress progress) =>
        WaitUntil.HoldsAsync(() => progress.Total is not null, "the count to complete", TimeSpan.FromSeconds(20));

    private List<string> Lines() => [.. _log.Lines(LogEventLevel.Information).Select(l => l.Replace("\"", "", StringComparison.Ordinal))];

    private List<string> Backlog() => [.. Lines().Where(l => l.StartsWith("Backlog:", StringComparison.Ordinal))];

    private sealed class CountingSource : IAnnotationSource
    {
        public TaskCompletionSource<long?> Count { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<long?> CountAfterAsync(AnnotationCursor cursor, CancellationToken cancellationToken) => Count.Task;

        public IAsyncEnumerable<AnnotationRow> ReadAfterAsync(AnnotationCursor cursor, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<AnnotationRow> ReadWindowAsync(long fromMs, AnnotationCursor cursor, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> ReadBatchAsync(AnnotationCursor cursor, AnnotationRow[] rows, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask ReleaseAsync() => default;
    }
}
