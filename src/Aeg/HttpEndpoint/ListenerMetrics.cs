using Aeg.Listener;
using Aeg.Metrics;

namespace Aeg.HttpEndpoint;

/// <summary>The syslog listeners' counters (label <c>listener</c>) and the per-sender message counters (label <c>sender</c>).</summary>
public sealed class ListenerMetrics(ListenerHost host) : IMetricsSource
{
    public void WriteTo(PrometheusTextWriter writer)
    {
        var listeners = host.Listeners;
        void PerListener(string name, string type, string help, Func<ListenerCounters, long> value) =>
            writer.PerItem(name, type, help, listeners, "listener", Label, l => value(l.Counters));

        PerListener("aeg_listener_connections_accepted_total", "counter", "TCP/TLS connections taken on.", c => c.ConnectionsAccepted);
        PerListener("aeg_listener_connections_refused_total", "counter", "TCP/TLS connections closed at once (allow-list or maxConnections).", c => c.ConnectionsRefused);
        PerListener("aeg_listener_connections_active", "gauge", "TCP/TLS connections open now.", c => c.ConnectionsActive);
        PerListener("aeg_listener_tls_handshake_failures_total", "counter", "TLS handshakes that failed or timed out.", c => c.TlsHandshakeFailures);
        PerListener("aeg_listener_datagrams_refused_total", "counter", "UDP datagrams dropped because the sender is not on the allow-list.", c => c.DatagramsRefused);
        PerListener("aeg_listener_frames_total", "counter", "Syslog frames handed to the CEF handler.", c => c.Frames);
        PerListener("aeg_listener_frames_oversized_total", "counter", "Frames over maxFrameSize, skipped.", c => c.FramesOversized);
        PerListener("aeg_listener_framing_errors_total", "counter", "Malformed octet-counting headers.", c => c.FramingErrors);
        PerListener("aeg_listener_frames_truncated_total", "counter", "Connections that ended in the middle of a frame.", c => c.FramesTruncated);
        PerListener("aeg_listener_received_bytes_total", "counter", "Bytes received from allowed senders (TLS: after decryption).", c => c.Bytes);
        PerListener("aeg_listener_frames_rate_limited_total", "counter", "UDP datagrams dropped because their sender was over senderMessagesPerSecond.", c => c.FramesRateLimited);
        PerListener("aeg_listener_throttle_pauses_total", "counter", "TCP/TLS: times a connection paused reading because its sender was over senderMessagesPerSecond (nothing dropped).", c => c.ThrottleWaits);
        PerListener("aeg_listener_queue_pauses_total", "counter", "TCP/TLS: times a connection paused reading because the ticket queue was full (stream work is never shed).", c => c.HandlerPauses);
        PerListener("aeg_listener_throttled_milliseconds_total", "counter", "TCP/TLS: milliseconds connections paused reading because their sender was over senderMessagesPerSecond.", c => c.ThrottledMilliseconds);
        PerListener("aeg_listener_handler_errors_total", "counter", "Frames lost to an exception in the handler.", c => c.HandlerErrors);

        var senders = host.Senders.Snapshot();
        void PerSender(string name, string help, Func<SenderCounters, long> value) =>
            writer.PerItem(name, "counter", help, senders, "sender", s => s.Address, s => value(s));

        PerSender("aeg_listener_messages_received_total", "Syslog messages received, per sender address (\"other\" beyond listen.maxSenders).", s => s.Received);
        PerSender("aeg_listener_messages_parsed_total", "Messages parsed as CEF, per sender.", s => s.Parsed);
        PerSender("aeg_listener_messages_rejected_total", "Messages that were not valid CEF, per sender.", s => s.Rejected);
        PerSender("aeg_listener_messages_matched_total", "Messages that matched at least one rule, per sender.", s => s.Matched);
        PerSender("aeg_listener_messages_oversized_total", "Messages over the maximum frame size, per sender.", s => s.Oversized);
        PerSender("aeg_listener_messages_rate_limited_total", "UDP datagrams dropped over senderMessagesPerSecond, per sender.", s => s.RateLimited);
        PerSender("aeg_listener_sender_throttled_milliseconds_total", "Milliseconds a sender's TCP/TLS connections were not read because it was over senderMessagesPerSecond.", s => s.ThrottledMilliseconds);
    }

    // The bound endpoint, not the configured one: two listeners configured on port 0 differ only there.
    private static string Label(ISyslogListener listener) => listener.LocalEndPoint is { } bound
        ? $"{listener.Options.Protocol.ToString().ToLowerInvariant()}/{bound}"
        : listener.Options.Name;
}
