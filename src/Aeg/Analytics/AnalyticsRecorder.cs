using Serilog;

namespace Aeg.Analytics;

/// <summary>
/// The poller's hook: copies each sent row, and after the batch was flushed applies the batch to
/// the history in one transaction and feeds the histograms. A failure is logged and counted,
/// never thrown: metrics must not stop annotation events from flowing.
/// </summary>
public sealed class AnalyticsRecorder(AnalyticsStore store, TransitionDeriver deriver, AnalystHistograms histograms, ILogger log)
{
    private readonly List<AnalyticsRow> _buffered = [];

    public AnalystHistograms Histograms { get; } = histograms;

    public AnalyticsStore Store { get; } = store;

    /// <summary>Opens (or creates) the history and rebuilds the histograms from it.</summary>
    public static AnalyticsRecorder Open(AnalyticsOptions options, string stateDirectory, ILogger log)
    {
        var store = new AnalyticsStore(options.DatabaseFile(stateDirectory));
        return new AnalyticsRecorder(store, new TransitionDeriver(options), new AnalystHistograms(store), log);
    }

    /// <summary>Remembers a row that was handed to the sender.</summary>
    public void Buffer(Annotations.AnnotationRow row) => _buffered.Add(AnalyticsRow.From(row));

    /// <summary>Forgets buffered rows of a batch that was not committed (they are read again).</summary>
    public void Discard() => _buffered.Clear();

    /// <summary>Records the buffered rows; called once their batch is flushed.</summary>
    public void Flush()
    {
        if (_buffered.Count == 0)
        {
            return;
        }
        try
        {
            var outcomes = Store.Apply(_buffered, deriver);
            Histograms.Counters.Recorded(outcomes);
            foreach (var d in outcomes.SelectMany(o => o.Durations))
            {
                Histograms.Observe(d);
            }
        }
        catch (Exception ex)
        {
            Histograms.Counters.RecordFailed();
            log.Error("Analyst metrics not recorded for {Rows} row(s) ({Reason}); the events were sent", _buffered.Count, ex.GetType().Name + ": " + ex.Message);
        }
        finally
        {
            _buffered.Clear();
        }
    }
}
