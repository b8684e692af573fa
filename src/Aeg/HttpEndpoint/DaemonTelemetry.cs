using Aeg.Annotations;
using Aeg.Health;
using Aeg.Metrics;
using Aeg.Rules;
using Aeg.Syslog;

namespace Aeg.HttpEndpoint;

/// <summary>The running parts of a daemon that /metrics and /readyz report on; absent parts are null.</summary>
public sealed record DaemonParts(AnnotationPoller? Poller = null, ISyslogSender? Sender = null, CefTicketPipeline? Pipeline = null);

/// <summary>The one place that decides which metric sources and health checks a daemon serves.</summary>
/// <remarks>
/// A new part becomes a property of <see cref="DaemonParts"/>, set by the
/// command that owns it, and one <c>sources.Add</c> / <c>checks.Add</c> line here.
/// </remarks>
public static class DaemonTelemetry
{
    public static IReadOnlyList<IMetricsSource> MetricsSources(DaemonParts parts)
    {
        var sources = new List<IMetricsSource> { new ProcessMetrics() };
        if (parts.Poller is { } poller)
        {
            sources.Add(new AnnotationMetrics(poller.Counters));
            if (poller.Analytics is { } analytics)
            {
                sources.Add(analytics.Histograms);
            }
        }
        if (parts.Sender is { } sender)
        {
            sources.Add(new SyslogSenderMetrics(sender.Stats));
        }
        if (parts.Pipeline is { } pipeline)
        {
            sources.Add(new ListenerMetrics(pipeline.Listeners));
            sources.Add(new TicketMetrics(pipeline));
        }
        sources.Add(new HealthMetrics(HealthChecks(parts)));
        return sources;
    }

    public static IReadOnlyList<IHealthCheck> HealthChecks(DaemonParts parts)
    {
        var checks = new List<IHealthCheck>();
        if (parts.Poller is { } poller)
        {
            checks.Add(new DatabaseHealthCheck(poller.Counters));
            checks.Add(new StateDirectoryHealthCheck(poller.Counters));
            checks.Add(new SyslogDestinationHealthCheck(poller.Counters));
        }
        if (parts.Pipeline is { } pipeline)
        {
            checks.Add(new ListenersHealthCheck(pipeline.Listeners));
        }
        return checks;
    }
}
