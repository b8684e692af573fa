using Aeg.Esm.Cases;
using Aeg.Esm.QueryViewers;
using Aeg.Metrics;

namespace Aeg.HttpEndpoint;

/// <summary>The ESM pollers that feed the ticket path: the case poller and each query viewer.</summary>
public sealed class EsmSourceMetrics(EsmCasePoller? cases, IReadOnlyList<QueryViewerPoller> viewers) : IMetricsSource
{
    public void WriteTo(PrometheusTextWriter writer)
    {
        if (cases is { } poller)
        {
            var c = poller.Counters;
            const string polls = "aeg_esm_case_polls_total";
            writer.Family(polls, "counter", "Polls of ESM cases, by result (a failed poll starts again from the saved cursor).");
            writer.Sample(polls, c.Polls, ("result", "ok"));
            writer.Sample(polls, c.FailedPolls, ("result", "failed"));
            const string handled = "aeg_esm_cases_total";
            writer.Family(handled, "counter", "Case changes after the cursor, by outcome: queued (jobs in the outbox), unchanged (already queued), unmatched (no rule).");
            writer.Sample(handled, c.CasesQueued, ("outcome", "queued"));
            writer.Sample(handled, c.CasesUnchanged, ("outcome", "unchanged"));
            writer.Sample(handled, c.CasesUnmatched, ("outcome", "unmatched"));
            writer.Counter("aeg_esm_case_write_backs_total", "Write-back jobs (ticket reference and status into the case) handed to the outbox.", c.WriteBacksQueued);
        }
        if (viewers.Count == 0)
        {
            return;
        }
        const string viewerPolls = "aeg_esm_query_viewer_polls_total";
        writer.Family(viewerPolls, "counter", "Polls of each query viewer (esm.queryViewers), by result.");
        foreach (var v in viewers)
        {
            writer.Sample(viewerPolls, v.Counters.Polls, ("viewer", v.ViewerId), ("result", "ok"));
            writer.Sample(viewerPolls, v.Counters.FailedPolls, ("viewer", v.ViewerId), ("result", "failed"));
        }
        const string rows = "aeg_esm_query_viewer_rows_total";
        writer.Family(rows, "counter", "Query viewer rows after the cursor, by outcome: queued, repeated (already in the outbox), unmatched (no rule), bad (no readable id or time).");
        foreach (var v in viewers)
        {
            writer.Sample(rows, v.Counters.Queued, ("viewer", v.ViewerId), ("outcome", "queued"));
            writer.Sample(rows, v.Counters.Repeated, ("viewer", v.ViewerId), ("outcome", "repeated"));
            writer.Sample(rows, v.Counters.Unmatched, ("viewer", v.ViewerId), ("outcome", "unmatched"));
            writer.Sample(rows, v.Counters.BadRows, ("viewer", v.ViewerId), ("outcome", "bad"));
        }
    }
}
