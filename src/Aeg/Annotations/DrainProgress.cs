using System.Diagnostics;
using Aeg.State;
using Serilog;

namespace Aeg.Annotations;

/// <summary>
/// Progress of a backlog drain: once a poll cycle reads a full batch, the rows after the
/// cycle's start are counted once (in the background, on a connection of its own) and every
/// <see cref="Interval"/> a line says rows done / total, rate and time left. Cycles that catch up
/// within one batch say nothing.
/// </summary>
public sealed class DrainProgress(ILogger log, IAnnotationSource source, AnnotationCursor start, int batchSize, TimeSpan interval)
{
    /// <summary>How often a draining cycle logs its progress.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task<long?>? _total;
    private TimeSpan _nextReport;

    /// <summary>Rows committed so far in this cycle.</summary>
    public long Done { get; private set; }

    /// <summary>The total once counted, else null.</summary>
    public long? Total => _total is { IsCompletedSuccessfully: true } t ? t.Result : null;

    /// <summary>Call after each committed batch.</summary>
    public void BatchCommitted(int rows, CancellationToken cancellationToken)
    {
        Done += rows;
        if (_total is null && rows >= batchSize)
        {
            _total = CountAsync(cancellationToken);
            _nextReport = _clock.Elapsed + interval;
            log.Information("Draining a backlog from {Cursor}: counting the rows behind it", start);
        }
        if (_total is not null && _clock.Elapsed >= _nextReport)
        {
            _nextReport = _clock.Elapsed + interval;
            var rate = Done / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            if (Total is { } total && total > 0)
            {
                var left = Math.Max(0, total - Done);
                log.Information("Backlog: {Done}/{Total} rows sent ({Percent:0}%), {Rate:0} rows/s, about {Left:0}s left",
                    Done, total, Math.Min(100, 100.0 * Done / total), rate, left / Math.Max(rate, 1));
            }
            else
            {
                log.Information("Backlog: {Done} rows sent, {Rate:0} rows/s (total still being counted)", Done, rate);
            }
        }
    }

    /// <summary>Call when the cycle caught up; logs a summary when it was a drain.</summary>
    public void Finished()
    {
        if (_total is not null)
        {
            log.Information("Backlog drained: {Done} rows in {Seconds:0.0}s ({Rate:0} rows/s)",
                Done, _clock.Elapsed.TotalSeconds, Done / Math.Max(_clock.Elapsed.TotalSeconds, 0.001));
        }
    }

    private async Task<long?> CountAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await source.CountAfterAsync(start, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or OperationCanceledException or InvalidOperationException)
        {
            // Progress is a nicety: without a total the drain still reports rows and rate.
            log.Debug("Counting the backlog failed: {Reason}", ex.Message);
            return null;
        }
    }
}
