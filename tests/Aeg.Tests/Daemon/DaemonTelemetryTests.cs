using Aeg.Annotations;
using Aeg.Daemon;
using Aeg.HttpEndpoint;
using Aeg.Metrics;

namespace Aeg.Tests.Daemon;

/// <summary>An active/standby instance has no long-lived poller: /metrics and /readyz use the host's shared counters.</summary>
public class DaemonTelemetryTests
{
    [Fact]
    public void Without_a_poller_the_shared_counters_feed_metrics_and_readiness()
    {
        var counters = new AnnotationCounters();
        counters.AddRowsPolled(7);
        counters.SetDatabaseProblem("connect failed: 127.0.0.1:1");
        var parts = new DaemonParts(Counters: counters);

        var checks = DaemonTelemetry.HealthChecks(parts);
        var database = Assert.Single(checks, c => c.Name == "database");
        Assert.False(database.Check().Ready);

        var text = new StringWriter();
        var writer = new PrometheusTextWriter(text);
        foreach (var source in DaemonTelemetry.MetricsSources(parts))
        {
            source.WriteTo(writer);
        }
        var page = PrometheusTextParser.Parse(text.ToString());
        Assert.Equal(7, page.Value("aeg_annotation_rows_polled_total"));
    }
}
