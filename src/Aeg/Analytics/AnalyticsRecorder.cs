using Aeg.Annotations;
using Aeg.State;
using Serilog;

namespace Aeg.Analytics;

/// <summary>
/// Records the annotation rows the poller committed in the history and feeds the histograms. A
/// failure is logged and counted, never thrown: metrics must not stop annotation events from flowing.
/// </summary>
/// <remarks>
/// The history keeps its own keyset position (<see cref="RecordedUpTo"/>), moved in the same
/// SQLite transaction as the rows, so it may lag the poller's cursor without losing anything.
/// At the head of the table a committed batch is derived and written on a thread of its own
/// while the poller goes on. A backlog is sent first and recorded after
/// (<see cref="CatchUpAsync"/> reads the rows again): the history costs several times what
/// sending costs, and ESM should not wait for metrics.
/// </remarks>
public sealed class AnalyticsRecorder(AnalyticsStore store, TransitionDeriver deriver, AnalystHistograms histograms, ILogger log, int catchUpBatchSize = 5000)
    : ICommittedBatchConsumer
{
    private Task<List<RowOutcome>>? _pending;
    private int _pendingRows;
    private AnnotationCursor _pendingUpTo;

    public AnalystHistograms Histograms { get; } = histograms;

    public AnalyticsStore Store { get; } = store;

    /// <summary>Opens (or creates) the history and rebuilds the histograms from it; <paramref name="catchUpBatchSize"/> is the poller's batch size.</summary>
    public static AnalyticsRecorder Open(AnalyticsOptions options, string stateDirectory, ILogger log, int catchUpBatchSize = 5000)
    {
        var store = new AnalyticsStore(options.DatabaseFile(stateDirectory));
        return new AnalyticsRecorder(store, new TransitionDeriver(options), new AnalystHistograms(store), log, catchUpBatchSize);
    }

    /// <summary>Every annotation row up to here is in the history.</summary>
    public AnnotationCursor RecordedUpTo { get; private set; }

    /// <summary>
    /// Loads <see cref="RecordedUpTo"/>; a history without one (new, or written before it had a
    /// position) starts at the poller's cursor, as everything before it was recorded or predates metrics.
    /// </summary>
    public void Start(AnnotationCursor pollerCursor)
    {
        try
        {
            if (Store.RecordedUpTo() is { } stored)
            {
                RecordedUpTo = stored;
                return;
            }
            Store.SetRecordedUpTo(pollerCursor);
        }
        catch (Exception ex)
        {
            Histograms.Counters.RecordFailed();
            log.Error("Analyst metrics position not readable ({Reason}); metrics start at the poller's cursor", ex.GetType().Name + ": " + ex.Message);
        }
        RecordedUpTo = pollerCursor;
    }

    /// <summary>
    /// Late rows are recorded at once; a short batch right after <see cref="RecordedUpTo"/> is
    /// derived and written on a thread of its own (<see cref="Complete"/> waits for it); a backlog
    /// batch, or one after a gap, is left to <see cref="CatchUpAsync"/>. The rows are copied here.
    /// </summary>
    public void Committed(in CommittedBatch batch)
    {
        Complete();
        if (batch.From is null)
        {
            var late = Copy(batch.Rows, batch.Count);
            Record(late.Length, () => Store.Apply(late, deriver));
            return;
        }
        if (batch.Full || batch.From != RecordedUpTo)
        {
            return;
        }
        var copies = Copy(batch.Rows, batch.Count);
        var upTo = batch.UpTo;
        _pendingRows = batch.Count;
        _pendingUpTo = upTo;
        // A dedicated thread: the poller's own threads are busy reading and sending the next rows.
        _pending = Task.Factory.StartNew(() => Store.Apply(copies, deriver, upTo), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits for the batch being written in the background, and counts it.</summary>
    public void Complete()
    {
        var pending = _pending;
        _pending = null;
        if (pending is not null && Record(_pendingRows, () => pending.GetAwaiter().GetResult()))
        {
            RecordedUpTo = _pendingUpTo;
        }
    }

    /// <summary>
    /// Records rows already sent that follow <see cref="RecordedUpTo"/>, and moves it to
    /// <paramref name="upTo"/>; false (logged and counted) when the history could not take them.
    /// </summary>
    private bool RecordBehind(IReadOnlyList<AnnotationRow> rows, int count, AnnotationCursor upTo)
    {
        var copies = Copy(rows, count);
        if (!Record(count, () => Store.Apply(copies, deriver, upTo)))
        {
            return false;
        }
        RecordedUpTo = upTo;
        return true;
    }

    private static AnalyticsRow[] Copy(IReadOnlyList<AnnotationRow> rows, int count)
    {
        var copies = new AnalyticsRow[count];
        for (var i = 0; i < count; i++)
        {
            copies[i] = AnalyticsRow.From(rows[i]);
        }
        return copies;
    }

    /// <inheritdoc/>
    public async Task CatchUpAsync(IAnnotationSource source, AnnotationCursor cursor, TimeSpan? budget, CancellationToken stop, CancellationToken cancellationToken)
    {
        Complete();
        if (RecordedUpTo >= cursor)
        {
            return;
        }
        var started = TimeProvider.System.GetTimestamp();
        log.Information("Analyst metrics are behind the sent events ({From} < {To}): recording the rows sent", RecordedUpTo, cursor);
        // Read one batch ahead, as the send path does, so that MariaDB streams the next rows
        // while these are recorded. Its rows are counted apart: they were polled once already.
        using var readAhead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = new BatchReader(source, catchUpBatchSize, RecordedUpTo, new AnnotationCounters(), stop, readAhead.Token);
        try
        {
            await foreach (var batch in batches.ReadAllAsync(cancellationToken))
            {
                if (stop.IsCancellationRequested || (budget is { } b && TimeProvider.System.GetElapsedTime(started) >= b))
                {
                    log.Information("Analyst metrics recorded up to {Position}; the rest follows the next poll", RecordedUpTo);
                    return;
                }
                var take = 0;
                while (take < batch.Count && new AnnotationCursor(batch.Rows[take].ModificationTimeMs, batch.Rows[take].EventId) <= cursor)
                {
                    take++;
                }
                // A full batch inside the sent range ends at its last row; anything shorter means
                // every row up to the cursor has been read.
                var upTo = take == catchUpBatchSize ? batch.Last : cursor;
                if (!RecordBehind(batch.Rows, take, upTo))
                {
                    // Logged and counted by Record; the same rows are tried on the next poll.
                    return;
                }
                batches.Recycle(batch);
                if (RecordedUpTo >= cursor)
                {
                    break;
                }
            }
        }
        finally
        {
            await PollFailures.CancelReadAheadAsync(readAhead);
            await batches.StopAsync();
            await source.ReleaseAsync();
        }
        if (RecordedUpTo >= cursor)
        {
            log.Information("Analyst metrics caught up with the sent events at {Cursor}", cursor);
        }
    }

    private bool Record(int rows, Func<List<RowOutcome>> apply)
    {
        try
        {
            var outcomes = apply();
            Histograms.Counters.Recorded(outcomes);
            foreach (var outcome in outcomes)
            {
                foreach (var d in outcome.Durations)
                {
                    Histograms.Observe(d);
                }
            }
            return true;
        }
        catch (Exception ex)
        {
            Histograms.Counters.RecordFailed();
            log.Error("Analyst metrics not recorded for {Rows} row(s) ({Reason}); the events were sent", rows, ex.GetType().Name + ": " + ex.Message);
            return false;
        }
    }
}
