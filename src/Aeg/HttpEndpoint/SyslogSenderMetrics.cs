using Aeg.Metrics;
using Aeg.Syslog;

namespace Aeg.HttpEndpoint;

/// <summary>The outgoing syslog sender's totals as <c>aeg_syslog_*</c> metrics.</summary>
public sealed class SyslogSenderMetrics(SyslogSenderStats stats) : IMetricsSource
{
    public void WriteTo(PrometheusTextWriter writer)
    {
        writer.Counter("aeg_syslog_messages_sent_total", "Syslog messages written to the socket (handed to the kernel).", stats.MessagesSent);
        writer.Counter("aeg_syslog_sent_bytes_total", "Bytes written to the syslog socket, framing included.", stats.BytesSent);
        writer.Counter("aeg_syslog_send_failures_total", "Syslog connect or write failures.", stats.SendFailures);
        writer.Counter("aeg_syslog_reconnects_total", "Syslog connections established again after a failure or a close.", stats.Reconnects);
    }
}
