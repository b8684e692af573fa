using Aeg.Metrics;

namespace Aeg.Analytics;

/// <summary>Counters of the analytics recorder since start; thread-safe.</summary>
public sealed class AnalyticsCounters
{
    private long _rowsRecorded;
    private long _recordFailures;
    private long _incompleteHistories;
    private long _recoveredGaps;
    private long _staleRows;

    public long RowsRecorded => Interlocked.Read(ref _rowsRecorded);
    /// <summary>Batches whose metrics could not be written (the events were still sent).</summary>
    public long RecordFailures => Interlocked.Read(ref _recordFailures);
    public long IncompleteHistories => Interlocked.Read(ref _incompleteHistories);
    public long RecoveredGaps => Interlocked.Read(ref _recoveredGaps);
    public long StaleRows => Interlocked.Read(ref _staleRows);

    internal void Recorded(IReadOnlyList<RowOutcome> outcomes)
    {
        Interlocked.Add(ref _rowsRecorded, outcomes.Count);
        foreach (var n in outcomes.SelectMany(o => o.Notes))
        {
            switch (n.Note)
            {
                case HistoryNote.IncompleteHistory:
                    Interlocked.Increment(ref _incompleteHistories);
                    break;
                case HistoryNote.RecoveredFromAuditTrail:
                    Interlocked.Increment(ref _recoveredGaps);
                    break;
                case HistoryNote.StaleRow:
                    Interlocked.Increment(ref _staleRows);
                    break;
            }
        }
    }

    internal void RecordFailed() => Interlocked.Increment(ref _recordFailures);

    public void WriteTo(PrometheusTextWriter writer)
    {
        Counter(writer, "aeg_analytics_rows_recorded_total", "Annotation rows applied to the analyst metrics history.", RowsRecorded);
        Counter(writer, "aeg_analytics_record_failures_total", "Batches whose analyst metrics could not be recorded (their events were still sent).", RecordFailures);
        Counter(writer, "aeg_analytics_incomplete_histories_total", "Version gaps with no audit line to recover them; nothing in them was measured.", IncompleteHistories);
        Counter(writer, "aeg_analytics_recovered_gaps_total", "Version gaps whose edits were recovered from the audit trail.", RecoveredGaps);
        Counter(writer, "aeg_analytics_stale_rows_total", "Rows not newer than the recorded version (late or re-sent), ignored.", StaleRows);
    }

    private static void Counter(PrometheusTextWriter writer, string name, string help, long value)
    {
        writer.Family(name, "counter", help);
        writer.Sample(name, value);
    }

    public override string ToString() =>
        $"analytics rows={RowsRecorded} failures={RecordFailures} incomplete={IncompleteHistories} recovered={RecoveredGaps} stale={StaleRows}";
}
