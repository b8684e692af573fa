using Aeg.State;
using Serilog;

namespace Aeg.Analytics;

/// <summary>
/// The poller's hook: records sent annotation rows in the history and feeds the histograms. A
/// failure is logged and counted, never thrown: metrics must not stop annotation events from flowing.
/// </summary>
/// <remarks>
/// The history keeps its own keyset position (<see cref="RecordedUpTo"/>), moved in the same
/// SQLite transaction as the rows. At the head of the table a batch is derived and written on a
/// thread of its own while the poller sends it (<see cref="BeginBatch"/>) and committed by
/// <see cref="Flush"/> once the batch is on the wire. A backlog is sent first and recorded after
/// (<see cref="RecordBehind"/>, the poller reading the rows again): the history costs several
/// times what sending costs, and ESM should not wait for metrics.
/// </remarks>
public sealed class AnalyticsRecorder(AnalyticsStore store, TransitionDeriver deriver, AnalystHistograms histograms, ILogger log)
{
    private readonly List<AnalyticsRow> _buffered = [];
    private Task<PendingHistory>? _pending;
    private int _pendingRows;
    private AnnotationCursor _pendingUpTo;

    public AnalystHistograms Histograms { get; } = histograms;

    public AnalyticsStore Store { get; } = store;

    /// <summary>Opens (or creates) the history and rebuilds the histograms from it.</summary>
    public static AnalyticsRecorder Open(AnalyticsOptions options, string stateDirectory, ILogger log)
    {
        var store = new AnalyticsStore(options.DatabaseFile(stateDirectory));
        return new AnalyticsRecorder(store, new TransitionDeriver(options), new AnalystHistograms(store), log);
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

    /// <summary>Remembers a row that was handed to the sender (rows sent one by one, such as late rows).</summary>
    public void Buffer(Annotations.AnnotationRow row) => _buffered.Add(AnalyticsRow.From(row));

    /// <summary>
    /// Starts recording the first <paramref name="count"/> rows of a batch about to be sent, the
    /// rows right after <see cref="RecordedUpTo"/>; kept by the next <see cref="Flush"/>, which
    /// moves <see cref="RecordedUpTo"/> to <paramref name="upTo"/>. The rows are copied here, so
    /// the caller may reuse them.
    /// </summary>
    public void BeginBatch(IReadOnlyList<Annotations.AnnotationRow> rows, int count, AnnotationCursor upTo)
    {
        Discard();
        var copies = Copy(rows, count);
        _pendingRows = count;
        _pendingUpTo = upTo;
        // A dedicated thread: the poller's own threads are busy reading and sending the batch.
        _pending = Task.Factory.StartNew(() => Store.Prepare(copies, deriver, upTo), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Records rows already sent that follow <see cref="RecordedUpTo"/>, and moves it to
    /// <paramref name="upTo"/>; false (logged and counted) when the history could not take them.
    /// </summary>
    public bool RecordBehind(IReadOnlyList<Annotations.AnnotationRow> rows, int count, AnnotationCursor upTo)
    {
        var copies = Copy(rows, count);
        if (!Record(count, () => Store.Apply(copies, deriver, upTo)))
        {
            return false;
        }
        RecordedUpTo = upTo;
        return true;
    }

    private static AnalyticsRow[] Copy(IReadOnlyList<Annotations.AnnotationRow> rows, int count)
    {
        var copies = new AnalyticsRow[count];
        for (var i = 0; i < count; i++)
        {
            copies[i] = AnalyticsRow.From(rows[i]);
        }
        return copies;
    }

    /// <summary>Forgets rows of a batch that was not committed (they are read again).</summary>
    public void Discard()
    {
        _buffered.Clear();
        if (TakePending() is { } pending)
        {
            try
            {
                pending.GetAwaiter().GetResult().Dispose();
            }
            catch (Exception)
            {
                // Nothing was kept; the batch is read and recorded again.
            }
        }
    }

    /// <summary>Records the batch's rows; called once the batch is flushed, before its cursor moves.</summary>
    public void Flush()
    {
        if (TakePending() is { } pending)
        {
            var rows = _pendingRows;
            if (Record(rows, () =>
            {
                using var history = pending.GetAwaiter().GetResult();
                history.Commit();
                return history.Outcomes;
            }))
            {
                RecordedUpTo = _pendingUpTo;
            }
        }
        if (_buffered.Count > 0)
        {
            Record(_buffered.Count, () => Store.Apply(_buffered, deriver));
            _buffered.Clear();
        }
    }

    private Task<PendingHistory>? TakePending()
    {
        var pending = _pending;
        _pending = null;
        return pending;
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
