using System.Diagnostics;
using System.Reflection;
using Aeg.Metrics;

namespace Aeg.HttpEndpoint;

/// <summary>Which Aeg is running and since when: <c>aeg_build_info</c> and <c>aeg_process_start_time_seconds</c>.</summary>
public sealed class ProcessMetrics : IMetricsSource
{
    private static readonly string Version =
        typeof(ProcessMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private readonly double _startTime = new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;

    public void WriteTo(PrometheusTextWriter writer)
    {
        writer.Family("aeg_build_info", "gauge", "Always 1; the label says which Aeg version runs.");
        writer.Sample("aeg_build_info", 1, ("version", Version));
        writer.Gauge("aeg_process_start_time_seconds", "Start time of the process, seconds since 1970 (uptime = time() - this).", _startTime);
    }
}
