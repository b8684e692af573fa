using Aeg.Metrics;
using Aeg.Rules;
using Aeg.Tickets;

namespace Aeg.HttpEndpoint;

/// <summary>The CEF → ticket half: rule handler failures, the ticket queue and the dispatcher's outcomes.</summary>
public sealed class TicketMetrics(CefRuleHandler handler, BoundedTicketQueue queue, TicketCounters counters) : IMetricsSource
{
    public void WriteTo(PrometheusTextWriter writer)
    {
        writer.Counter("aeg_rules_handler_failures_total", "Received events the rule handler failed on (the event is lost, logged once per interval).", handler.Failures);

        writer.Counter("aeg_ticket_queue_enqueued_total", "Ticket work items queued by the rules.", queue.Enqueued);
        writer.Counter("aeg_ticket_queue_shed_total", "Ticket work items dropped because the queue was full.", queue.Shed);
        writer.Gauge("aeg_ticket_queue_length", "Ticket work items waiting now.", queue.Count);
        writer.Gauge("aeg_ticket_queue_capacity", "Bound of the ticket queue (tickets.queue.capacity).", queue.Capacity);

        var c = counters;
        const string actions = "aeg_ticket_actions_total";
        writer.Family(actions, "counter", "Ticket work items done, by outcome: created, updated, skipped (nothing to do) or failed (dead-lettered).");
        writer.Sample(actions, c.Created, ("outcome", "created"));
        writer.Sample(actions, c.Updated, ("outcome", "updated"));
        writer.Sample(actions, c.Skipped, ("outcome", "skipped"));
        writer.Sample(actions, c.Failed, ("outcome", "failed"));
        writer.Counter("aeg_ticket_retries_total", "HTTP attempts to a ticket system repeated after a transient failure.", c.Retried);
        writer.Counter("aeg_ticket_dead_letters_total", "Ticket work items written to the dead-letter folder.", c.DeadLettered);
    }
}
