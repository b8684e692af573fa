using Aeg.Logging;
using Aeg.State;
using Serilog;

namespace Aeg.Annotations;

/// <summary>
/// Progress of a backlog drain: once a poll cycle reads a full batch, the rows after the
/// cycle's start are counted once (in the background, on a connection of its own); the first
/// progress line comes as soon as that count is in, and then every <see cref="Interval"/>, each
/// saying rows done / total, rate and time left. Cycles that catch up within one batch say nothing.
/// </summary>
public sealed class DrainProgress(ILogger log, IAnnotationSource source, AnnotationCursor start, int batchSize, TimeSpan interval, TimeProvider? time = null)
{
    /// <summary>How often a draining cycle logs its progress.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    // A count slower than this (a huge table on a busy server) should not leave a person without
    // any sign of life: lines then say rows and rate until the total arrives.
    private const int IntervalsWithoutTotal = 3;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly long _started = (time ?? TimeProvider.System).GetTimestamp();
    private Task<long?>? _total;
    private TimeSpan _countStarted;
    private TimeSpan _nextReport;
    private bool _reportedWithTotal;

    /// <summary>Rows committed so far in this cycle.</summary>
    public long Done { get; private set; }

    /// <summary>The total once counted, else null.</summary>
    public long? Total => _total is { IsCompletedSuccessfully: true } t ? t.Result : null;

    private TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>Call after each committed batch.</summary>
    public void BatchCommitted(int rows, CancellationToken cancellationToken)
    {
        Done += rows;
        if (_total is null)
        {
            if (rows < batchSize)
            {
                return;
            }
            _countStarted = Elapsed;
            _total = CountAsync(cancellationToken);
            log.Information("Draining a backlog from {Cursor}: counting the rows behind it", start);
        }
        var elapsed = Elapsed;
        var counted = _total.IsCompleted;
        // The first line with a total comes the moment it is known; a count still running waits a few intervals.
        var due = counted && Total is not null && !_reportedWithTotal
            ? true
            : elapsed >= _nextReport && (counted || elapsed - _countStarted >= interval * IntervalsWithoutTotal);
        if (!due)
        {
            return;
        }
        _nextReport = elapsed + interval;
        var rate = Done / Math.Max(elapsed.TotalSeconds, 0.001);
        if (Total is { } total && total > 0)
        {
            _reportedWithTotal = true;
            var left = Math.Max(0, total - Done);
            log.Information("Backlog: {Done}/{Total} rows sent ({Percent:0}%), {Rate:0} rows/s, about {Left} left",
                Done, total, Math.Min(100, 100.0 * Done / total), rate, LogText.Duration(TimeSpan.FromSeconds(Math.Ceiling(left / Math.Max(rate, 1)))));
        }
        else
        {
            log.Information("Backlog: {Done} rows sent, {Rate:0} rows/s ({Why})", Done, rate,
                counted ? "no total: counting the rows failed" : "total still being counted");
        }
    }

    /// <summary>Call when the cycle caught up; logs a summary when it was a drain.</summary>
    public void Finished()
    {
        if (_total is not null)
        {
            var elapsed = Elapsed;
            log.Information("Backlog drained: {Done} rows in {Elapsed} ({Rate:0} rows/s)",
                Done, LogText.Duration(elapsed), Done / Math.Max(elapsed.TotalSeconds, 0.001));
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
