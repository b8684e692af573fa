using Serilog;

namespace Aeg.Analytics;

/// <summary>
/// The poller's hook: records each batch's rows in the history before the batch's cursor moves
/// and feeds the histograms. A failure is logged and counted, never thrown: metrics must not stop
/// annotation events from flowing.
/// </summary>
/// <remarks>
/// A whole batch is derived and written on a thread of its own while the poller sends it
/// (<see cref="BeginBatch"/>), inside a SQLite transaction that <see cref="Flush"/> commits once
/// the batch is on the wire, or <see cref="Discard"/> rolls back when it was not: on two cores a
/// backlog drain then pays for the history beside the sending instead of after it.
/// </remarks>
public sealed class AnalyticsRecorder(AnalyticsStore store, TransitionDeriver deriver, AnalystHistograms histograms, ILogger log)
{
    private readonly List<AnalyticsRow> _buffered = [];
    private Task<PendingHistory>? _pending;
    private int _pendingRows;

    public AnalystHistograms Histograms { get; } = histograms;

    public AnalyticsStore Store { get; } = store;

    /// <summary>Opens (or creates) the history and rebuilds the histograms from it.</summary>
    public static AnalyticsRecorder Open(AnalyticsOptions options, string stateDirectory, ILogger log)
    {
        var store = new AnalyticsStore(options.DatabaseFile(stateDirectory));
        return new AnalyticsRecorder(store, new TransitionDeriver(options), new AnalystHistograms(store), log);
    }

    /// <summary>Remembers a row that was handed to the sender (rows sent one by one, such as late rows).</summary>
    public void Buffer(Annotations.AnnotationRow row) => _buffered.Add(AnalyticsRow.From(row));

    /// <summary>
    /// Starts recording the first <paramref name="count"/> rows of a batch about to be sent; kept
    /// by the next <see cref="Flush"/>. The rows are copied here, so the caller may reuse them.
    /// </summary>
    public void BeginBatch(IReadOnlyList<Annotations.AnnotationRow> rows, int count)
    {
        Discard();
        var copies = new AnalyticsRow[count];
        for (var i = 0; i < count; i++)
        {
            copies[i] = AnalyticsRow.From(rows[i]);
        }
        _pendingRows = count;
        // A dedicated thread: the poller's own threads are busy reading and sending the backlog.
        _pending = Task.Factory.StartNew(() => Store.Prepare(copies, deriver), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
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
            Record(rows, () =>
            {
                using var history = pending.GetAwaiter().GetResult();
                history.Commit();
                return history.Outcomes;
            });
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

    private void Record(int rows, Func<List<RowOutcome>> apply)
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
        }
        catch (Exception ex)
        {
            Histograms.Counters.RecordFailed();
            log.Error("Analyst metrics not recorded for {Rows} row(s) ({Reason}); the events were sent", rows, ex.GetType().Name + ": " + ex.Message);
        }
    }
}
