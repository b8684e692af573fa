using Aeg.Health;
using Aeg.Metrics;

namespace Aeg.HttpEndpoint;

/// <summary>The health checks as <c>aeg_health_ready{check="…"}</c> (1 ready, 0 not), so alerts and dashboards need not probe /readyz.</summary>
public sealed class HealthMetrics(IReadOnlyList<IHealthCheck> checks) : IMetricsSource
{
    public void WriteTo(PrometheusTextWriter writer)
    {
        writer.PerItem("aeg_health_ready", "gauge", "1 when the health check is ready, 0 when not (the reason is on /readyz).", checks,
            "check", c => c.Name, c => Ready(c) ? 1 : 0);
    }

    private static bool Ready(IHealthCheck check)
    {
        try
        {
            return check.Check().Ready;
        }
        catch (Exception)
        {
            // /readyz reports the failing check; here it simply counts as not ready.
            return false;
        }
    }
}
