using Aeg.Annotations;
using Aeg.Metrics;

namespace Aeg.HttpEndpoint;

/// <summary>The annotation poller's counters as <c>aeg_annotation_*</c> metrics.</summary>
public sealed class AnnotationMetrics(AnnotationCounters counters) : IMetricsSource
{
    public void WriteTo(PrometheusTextWriter writer)
    {
        writer.Counter("aeg_annotation_rows_polled_total", "Annotation rows read from the ESM database.", counters.RowsPolled);
        writer.Counter("aeg_annotation_events_sent_total", "Annotation Events handed to the syslog sender.", counters.EventsSent);
        writer.Counter("aeg_annotation_send_failures_total", "Annotation Events the syslog sender could not send (the batch is retried).", counters.SendFailures);
        writer.Counter("aeg_annotation_database_failures_total", "Poll cycles retried after a database error.", counters.DatabaseFailures);
        writer.Counter("aeg_annotation_version_gaps_total", "Events whose version jumped by more than one (edits overwritten between two polls).", counters.VersionGaps);
        writer.Counter("aeg_annotation_missed_versions_total", "Versions never seen, summed over all version gaps.", counters.MissedVersions);
        writer.Counter("aeg_annotation_late_rows_total", "Rows found behind the cursor inside the look-back window (late commits).", counters.LateRows);
        writer.Family("aeg_annotation_row_changes_total", "counter",
            "Annotation Events sent with a change, per kind (the event's cs6 names them; docs/annotations.md).");
        foreach (var (kind, name) in RowChangeNames.Kinds)
        {
            writer.Sample("aeg_annotation_row_changes_total", counters.RowsChanged(kind), ("kind", name));
        }
        writer.Counter("aeg_annotation_quarantined_total", "Annotation rows that could not be sent and were set aside (aeg quarantine list).", counters.Quarantined);
        writer.Gauge("aeg_annotation_rows_without_time", "Rows with modification_time 0 or NULL, which no time-ordered poll reaches (counted every poller.lateCommitCheckInterval).", counters.RowsWithoutTime);
        writer.Counter("aeg_annotation_batches_total", "Batches sent and committed to the cursor file.", counters.Batches);
        writer.Gauge("aeg_annotation_cursor_lag_seconds", "Seconds between now and the cursor's modification time after the last poll.", counters.CursorLagMs / 1000.0);
    }
}
