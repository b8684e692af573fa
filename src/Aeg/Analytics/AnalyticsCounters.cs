using Aeg.Metrics;

namespace Aeg.Analytics;

/// <summary>Counters of the analytics recorder since start; thread-safe.</summary>
public sealed class AnalyticsCounters
{
    private AtomicCounter _rowsRecorded, _recordFailures, _incompleteHistories, _recoveredGaps, _staleRows, _truncatedAuditTrails;

    public long RowsRecorded => _rowsRecorded.Value;
    /// <summary>Batches whose metrics could not be written (the events were still sent).</summary>
    public long RecordFailures => _recordFailures.Value;
    public long IncompleteHistories => _incompleteHistories.Value;
    public long RecoveredGaps => _recoveredGaps.Value;
    public long StaleRows => _staleRows.Value;
    public long TruncatedAuditTrails => _truncatedAuditTrails.Value;

    internal void Recorded(IReadOnlyList<RowOutcome> outcomes)
    {
        _rowsRecorded.Add(outcomes.Count);
        foreach (var n in outcomes.SelectMany(o => o.Notes))
        {
            switch (n.Note)
            {
                case HistoryNote.IncompleteHistory:
                    _incompleteHistories.Increment();
                    break;
                case HistoryNote.RecoveredFromAuditTrail:
                    _recoveredGaps.Increment();
                    break;
                case HistoryNote.StaleRow:
                    _staleRows.Increment();
                    break;
                case HistoryNote.TruncatedAuditTrail:
                    _truncatedAuditTrails.Increment();
                    break;
            }
        }
    }

    internal void RecordFailed() => _recordFailures.Increment();

    public void WriteTo(PrometheusTextWriter writer)
    {
        writer.Counter("aeg_analytics_rows_recorded_total", "Annotation rows applied to the analyst metrics history.", RowsRecorded);
        writer.Counter("aeg_analytics_record_failures_total", "Batches whose analyst metrics could not be recorded (their events were still sent).", RecordFailures);
        writer.Counter("aeg_analytics_incomplete_histories_total", "Version gaps with no audit line to recover them; nothing in them was measured.", IncompleteHistories);
        writer.Counter("aeg_analytics_recovered_gaps_total", "Version gaps whose edits were recovered from the audit trail.", RecoveredGaps);
        writer.Counter("aeg_analytics_truncated_audit_trails_total", "Version gaps whose oldest edits fell off the full audit trail; the kept lines were recovered.", TruncatedAuditTrails);
        writer.Counter("aeg_analytics_stale_rows_total", "Rows not newer than the recorded version (late or re-sent), ignored.", StaleRows);
    }

    public override string ToString() =>
        $"analytics rows={RowsRecorded} failures={RecordFailures} incomplete={IncompleteHistories} recovered={RecoveredGaps} truncated={TruncatedAuditTrails} stale={StaleRows}";
}
