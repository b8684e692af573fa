namespace Aeg.Metrics;

/// <summary>A part of the daemon that contributes metric families to the <c>/metrics</c> page.</summary>
/// <remarks>
/// Sources are asked on every scrape, so they report their live counters instead of pushing
/// copies somewhere; each source writes whole families (HELP, TYPE, samples) in one call.
/// </remarks>
public interface IMetricsSource
{
    void WriteTo(PrometheusTextWriter writer);
}
