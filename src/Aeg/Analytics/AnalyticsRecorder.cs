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
/// Each committed batch that follows what is recorded (or queued) is derived and written on a
/// thread of its own while the poller reads and sends the next ones: at most
/// <see cref="MaxInFlight"/> batches wait, then the poller waits for the oldest (backpressure),
/// so a backlog's metrics are recorded beside its sending instead of read again after it. A
/// batch that does not follow (after a failure) is left to <see cref="CatchUpAsync"/>, which
/// reads the rows again.
/// </remarks>
public sealed class AnalyticsRecorder(AnalyticsStore store, TransitionDeriver deriver, AnalystHistograms histograms, ILogger log, int catchUpBatchSize = 5000)
    : ICommittedBatchConsumer
{
    /// <summary>Batches recorded in the background at once; the poller waits for the oldest beyond this.</summary>
    public const int MaxInFlight = 2;

    // Oldest first; each batch's task starts when the one before it has ended, and skips (null)
    // when that one did not record, so the position never passes rows that are not in the history.
    private readonly Queue<InFlight> _inFlight = new();

    private sealed record InFlight(Task<List<RowOutcome>?> Task, int Rows, AnnotationCursor UpTo);

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
    /// Late rows are recorded at once; a batch right after what is recorded or queued is derived
    /// and written on a thread of its own (<see cref="Complete"/> waits for all of them); one after
    /// a gap is left to <see cref="CatchUpAsync"/>. The rows are copied here.
    /// </summary>
    public void Committed(in CommittedBatch batch)
    {
        if (batch.From is not { } from)
        {
            Complete();
            var late = Copy(batch.Rows, batch.Count);
            Record(late.Length, () => Store.Apply(late, deriver));
            return;
        }
        var previous = _inFlight.Count > 0 ? _inFlight.Last() : null;
        if (from != (previous?.UpTo ?? RecordedUpTo))
        {
            return;
        }
        while (_inFlight.Count >= MaxInFlight)
        {
            CompleteOldest();
        }
        var copies = Copy(batch.Rows, batch.Count);
        var upTo = batch.UpTo;
        var after = previous?.Task ?? Task.FromResult<List<RowOutcome>?>([]);
        // A dedicated thread: the poller's own threads are busy reading and sending the next rows.
        var task = after.ContinueWith(p => p.IsCompletedSuccessfully && p.Result is not null ? Store.ApplyAfter(from, copies, deriver, upTo) : null,
            CancellationToken.None, TaskContinuationOptions.LongRunning, TaskScheduler.Default);
        _inFlight.Enqueue(new InFlight(task, batch.Count, upTo));
    }

    /// <summary>Waits for every batch being written in the background, and counts them.</summary>
    public void Complete()
    {
        while (_inFlight.Count > 0)
        {
            CompleteOldest();
        }
    }

    private void CompleteOldest()
    {
        var oldest = _inFlight.Dequeue();
        var skipped = false;
        if (Record(oldest.Rows, () =>
            {
                var outcomes = oldest.Task.GetAwaiter().GetResult();
                skipped = outcomes is null;
                return outcomes ?? [];
            }) && !skipped)
        {
            RecordedUpTo = oldest.UpTo;
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
