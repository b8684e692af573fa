using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.Health;
using Aeg.HttpEndpoint;
using Aeg.Metrics;
using Aeg.Syslog;

namespace Aeg.Daemon;

/// <summary>The running parts of a daemon that /metrics and /readyz report on; absent parts are null.</summary>
/// <remarks>
/// An active/standby instance has no poller of its own for long (one is created per lease), so it
/// passes the host's shared <paramref name="Counters"/> and <paramref name="Analytics"/> instead.
/// </remarks>
public sealed record DaemonParts(AnnotationPoller? Poller = null, ISyslogSender? Sender = null, CefTicketPipeline? Pipeline = null,
    AnnotationCounters? Counters = null, AnalyticsRecorder? Analytics = null)
{
    /// <summary>The poller counters to report: the poller's, else the shared ones.</summary>
    public AnnotationCounters? AnnotationCounters => Poller?.Counters ?? Counters;
}

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
        if (parts.AnnotationCounters is { } counters)
        {
            sources.Add(new AnnotationMetrics(counters));
        }
        if (parts.Analytics is { } analytics)
        {
            sources.Add(analytics.Histograms);
        }
        if (parts.Sender is { } sender)
        {
            sources.Add(new SyslogSenderMetrics(sender.Stats));
        }
        if (parts.Pipeline is { } pipeline)
        {
            sources.Add(new ListenerMetrics(pipeline.Listeners));
            sources.Add(new TicketMetrics(pipeline.Handler, pipeline.Queue, pipeline.Tickets.Counters));
            if (pipeline.Cases is not null || pipeline.QueryViewers.Count > 0)
            {
                sources.Add(new EsmSourceMetrics(pipeline.Cases, pipeline.QueryViewers));
            }
            if (pipeline.Cases?.History is { } caseHistory)
            {
                sources.Add(caseHistory.Histograms);
            }
        }
        sources.Add(new HealthMetrics(HealthChecks(parts)));
        return sources;
    }

    public static IReadOnlyList<IHealthCheck> HealthChecks(DaemonParts parts)
    {
        var checks = new List<IHealthCheck>();
        if (parts.AnnotationCounters is { } counters)
        {
            checks.Add(new DatabaseHealthCheck(counters));
            checks.Add(new StateDirectoryHealthCheck(counters));
            checks.Add(new SyslogDestinationHealthCheck(counters));
            checks.Add(new QuarantineHealthCheck(counters));
        }
        if (parts.Pipeline is { } pipeline)
        {
            checks.Add(new ListenersHealthCheck(pipeline.Listeners));
        }
        return checks;
    }
}
