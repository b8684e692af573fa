"""Writes content/grafana/aeg-dashboard.json, the Grafana dashboard of Aeg's /metrics (docs/http.md).

Run after adding or renaming a metric: python3 scripts/grafana/build-dashboard.py
(tests/Aeg.Tests/HttpEndpoint/GrafanaDashboardTests.cs checks that every served metric is drawn
and every queried metric is served).
"""
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parents[2] / "content" / "grafana" / "aeg-dashboard.json"
DS = {"type": "prometheus", "uid": "${datasource}"}
I = 'instance=~"$instance"'
panels = []
pid = [0]
y = [0]

def row(title):
    pid[0] += 1
    panels.append({"type": "row", "title": title, "id": pid[0], "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y[0]}, "panels": []})
    y[0] += 1

x = [0]
def panel(kind, title, targets, unit="short", w=8, h=8, desc="", extra=None):
    pid[0] += 1
    if x[0] + w > 24:
        x[0] = 0
        y[0] += h
    p = {"type": kind, "title": title, "id": pid[0], "datasource": DS, "description": desc,
         "gridPos": {"h": h, "w": w, "x": x[0], "y": y[0]},
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
         "options": {},
         "targets": [dict({"datasource": DS, "refId": chr(65 + i), "expr": e, "legendFormat": l}, **({"instant": True, "range": False} if kind in ("bargauge", "stat") else {}))
                     for i, (e, l) in enumerate(targets)]}
    if kind == "timeseries":
        p["options"] = {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}}
    if extra:
        p.update(extra)
    panels.append(p)
    x[0] += w

def endrow(h=8):
    x[0] = 0
    y[0] += h

row("Health")
panel("stat", "Ready checks", [(f'aeg_health_ready{{{I}}}', "{{instance}} {{check}}")], w=12, h=5,
      desc="1 = ready, 0 = not ready; the reason is on /readyz.",
      extra={"fieldConfig": {"defaults": {"unit": "none", "mappings": [{"type": "value", "options": {"0": {"text": "NOT READY", "color": "red"}, "1": {"text": "ready", "color": "green"}}}],
                                           "thresholds": {"mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "green", "value": 1}]}}, "overrides": []},
             "options": {"colorMode": "background", "graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"]}}})
panel("stat", "Uptime", [(f'time() - aeg_process_start_time_seconds{{{I}}}', "{{instance}}")], unit="s", w=6, h=5)
panel("stat", "Version", [(f'aeg_build_info{{{I}}}', "{{version}}")], unit="none", w=6, h=5,
      extra={"options": {"textMode": "name", "graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"]}}})
endrow(5)

row("Annotation poller")
panel("timeseries", "Annotation Events per second", [
    (f'sum by (instance) (rate(aeg_annotation_events_sent_total{{{I}}}[$__rate_interval]))', "sent {{instance}}"),
    (f'sum by (instance) (rate(aeg_annotation_rows_polled_total{{{I}}}[$__rate_interval]))', "rows polled {{instance}}"),
    (f'sum by (instance) (rate(aeg_annotation_batches_total{{{I}}}[$__rate_interval]))', "batches committed {{instance}}")], unit="ops")
panel("timeseries", "Cursor lag", [(f'aeg_annotation_cursor_lag_seconds{{{I}}}', "{{instance}}")], unit="s",
      desc="How far the poller is behind the newest annotation it has sent.")
panel("timeseries", "Version gaps (edits overwritten between polls)", [
    (f'sum by (instance) (increase(aeg_annotation_version_gaps_total{{{I}}}[$__rate_interval]))', "events with a gap {{instance}}"),
    (f'sum by (instance) (increase(aeg_annotation_missed_versions_total{{{I}}}[$__rate_interval]))', "missed versions {{instance}}")])
endrow()
panel("timeseries", "Failures", [
    (f'sum by (instance) (increase(aeg_annotation_database_failures_total{{{I}}}[$__rate_interval]))', "database {{instance}}"),
    (f'sum by (instance) (increase(aeg_annotation_send_failures_total{{{I}}}[$__rate_interval]))', "annotation send {{instance}}"),
    (f'sum by (instance) (increase(aeg_syslog_send_failures_total{{{I}}}[$__rate_interval]))', "syslog socket {{instance}}"),
    (f'sum by (instance) (increase(aeg_syslog_reconnects_total{{{I}}}[$__rate_interval]))', "syslog reconnects {{instance}}")], w=12)
panel("timeseries", "Late rows and syslog output", [
    (f'sum by (instance) (increase(aeg_annotation_late_rows_total{{{I}}}[$__rate_interval]))', "late rows {{instance}}"),
    (f'sum by (instance) (rate(aeg_syslog_messages_sent_total{{{I}}}[$__rate_interval]))', "syslog messages/s {{instance}}"),
    (f'sum by (instance) (rate(aeg_syslog_sent_bytes_total{{{I}}}[$__rate_interval]))', "syslog bytes/s {{instance}}")], w=12)
endrow()

row("Analysts")
A = 'analyst=~"$analyst"'
for what, metric in [("respond", "aeg_analyst_time_to_respond_seconds"), ("review", "aeg_analyst_time_to_review_seconds"), ("close", "aeg_analyst_time_to_close_seconds")]:
    panel("timeseries", f"Time to {what}: median and p90 per analyst", [
        (f'histogram_quantile(0.5, sum by (analyst, le) (rate({metric}_bucket{{{I},{A}}}[$window])))', "p50 {{analyst}}"),
        (f'histogram_quantile(0.9, sum by (analyst, le) (rate({metric}_bucket{{{I},{A}}}[$window])))', "p90 {{analyst}}")], unit="s",
        desc=f"Quantiles of {metric} over a sliding $window.")
endrow()
for what, metric in [("respond", "aeg_analyst_time_to_respond_seconds"), ("review", "aeg_analyst_time_to_review_seconds"), ("close", "aeg_analyst_time_to_close_seconds")]:
    panel("bargauge", f"Median time to {what} over the dashboard range", [
        (f'histogram_quantile(0.5, sum by (analyst, le) (increase({metric}_bucket{{{I},{A}}}[$__range])))', "{{analyst}}")], unit="s",
        extra={"options": {"orientation": "horizontal", "displayMode": "gradient", "reduceOptions": {"calcs": ["lastNotNull"]}}})
endrow()
panel("timeseries", "Events closed per analyst", [
    (f'sum by (analyst) (increase(aeg_analyst_time_to_close_seconds_count{{{I},{A}}}[$window]))', "{{analyst}}")], w=12,
    desc="Closings credited to each analyst in the sliding $window.")
panel("bargauge", "Transitions per analyst over the dashboard range", [
    (f'sum by (analyst) (increase(aeg_analyst_time_to_respond_seconds_count{{{I},{A}}}[$__range]))', "responded {{analyst}}"),
    (f'sum by (analyst) (increase(aeg_analyst_time_to_review_seconds_count{{{I},{A}}}[$__range]))', "reviewed {{analyst}}"),
    (f'sum by (analyst) (increase(aeg_analyst_time_to_close_seconds_count{{{I},{A}}}[$__range]))', "closed {{analyst}}")], unit="none", w=12,
    extra={"options": {"orientation": "horizontal", "displayMode": "gradient", "reduceOptions": {"calcs": ["lastNotNull"]}}})
endrow()

row("CEF listener and tickets")
panel("timeseries", "Messages per sender", [
    (f'sum by (sender) (rate(aeg_listener_messages_received_total{{{I}}}[$__rate_interval]))', "received {{sender}}"),
    (f'sum by (sender) (rate(aeg_listener_messages_parsed_total{{{I}}}[$__rate_interval]))', "parsed {{sender}}"),
    (f'sum by (sender) (rate(aeg_listener_messages_rejected_total{{{I}}}[$__rate_interval]))', "rejected {{sender}}"),
    (f'sum by (sender) (rate(aeg_listener_messages_matched_total{{{I}}}[$__rate_interval]))', "matched {{sender}}"),
    (f'sum by (sender) (rate(aeg_listener_messages_oversized_total{{{I}}}[$__rate_interval]))', "oversized {{sender}}")], unit="ops")
panel("timeseries", "Listener frames and errors", [
    (f'sum by (listener) (rate(aeg_listener_frames_total{{{I}}}[$__rate_interval]))', "frames {{listener}}"),
    (f'sum by (listener) (increase(aeg_listener_frames_oversized_total{{{I}}}[$__rate_interval]))', "oversized {{listener}}"),
    (f'sum by (listener) (increase(aeg_listener_framing_errors_total{{{I}}}[$__rate_interval]))', "framing errors {{listener}}"),
    (f'sum by (listener) (increase(aeg_listener_frames_truncated_total{{{I}}}[$__rate_interval]))', "truncated {{listener}}"),
    (f'sum by (listener) (increase(aeg_listener_tls_handshake_failures_total{{{I}}}[$__rate_interval]))', "TLS failures {{listener}}"),
    (f'sum by (listener) (increase(aeg_listener_handler_errors_total{{{I}}}[$__rate_interval]))', "handler errors {{listener}}")])
panel("timeseries", "Connections", [
    (f'sum by (listener) (aeg_listener_connections_active{{{I}}})', "open {{listener}}"),
    (f'sum by (listener) (increase(aeg_listener_connections_refused_total{{{I}}}[$__rate_interval]))', "refused {{listener}}"),
    (f'sum by (listener) (increase(aeg_listener_datagrams_refused_total{{{I}}}[$__rate_interval]))', "datagrams refused {{listener}}"),
    (f'sum by (listener) (rate(aeg_listener_received_bytes_total{{{I}}}[$__rate_interval]))', "bytes/s {{listener}}"),
    (f'sum by (listener) (increase(aeg_listener_connections_accepted_total{{{I}}}[$__rate_interval]))', "accepted {{listener}}")])
endrow()
panel("timeseries", "Ticket actions", [
    (f'sum by (outcome) (increase(aeg_ticket_actions_total{{{I}}}[$__rate_interval]))', "{{outcome}}"),
    (f'sum(increase(aeg_ticket_retries_total{{{I}}}[$__rate_interval]))', "retries"),
    (f'sum(increase(aeg_ticket_dead_letters_total{{{I}}}[$__rate_interval]))', "dead letters"),
    (f'sum(increase(aeg_rules_handler_failures_total{{{I}}}[$__rate_interval]))', "rule handler failures")], w=12)
panel("timeseries", "Ticket queue", [
    (f'sum by (instance) (aeg_ticket_queue_length{{{I}}})', "waiting {{instance}}"),
    (f'sum by (instance) (aeg_ticket_queue_capacity{{{I}}})', "capacity {{instance}}"),
    (f'sum by (instance) (increase(aeg_ticket_queue_enqueued_total{{{I}}}[$__rate_interval]))', "enqueued {{instance}}"),
    (f'sum by (instance) (increase(aeg_ticket_queue_shed_total{{{I}}}[$__rate_interval]))', "shed {{instance}}")], w=12)
endrow()

dash = {
    "__inputs": [],
    "title": "Aeg",
    "uid": "aeg-overview",
    "description": "Aeg (ArcSight ESM Annotation Event Generator and CEF ticket bridge): health, poller, analyst times, listener and tickets. Metric names: docs/http.md.",
    "tags": ["aeg", "arcsight", "soc"],
    "timezone": "browser",
    "schemaVersion": 39,
    "version": 1,
    "editable": True,
    "graphTooltip": 1,
    "refresh": "30s",
    "time": {"from": "now-24h", "to": "now"},
    "templating": {"list": [
        {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus", "current": {}, "hide": 0},
        {"name": "instance", "label": "Instance", "type": "query", "datasource": DS, "query": {"query": "label_values(aeg_build_info, instance)", "refId": "instance"},
         "definition": "label_values(aeg_build_info, instance)", "refresh": 2, "multi": True, "includeAll": True, "allValue": ".*", "current": {}, "sort": 1, "hide": 0},
        {"name": "analyst", "label": "Analyst", "type": "query", "datasource": DS, "query": {"query": "label_values(aeg_analyst_time_to_respond_seconds_count, analyst)", "refId": "analyst"},
         "definition": "label_values(aeg_analyst_time_to_respond_seconds_count, analyst)", "refresh": 2, "multi": True, "includeAll": True, "allValue": ".*", "current": {}, "sort": 1, "hide": 0},
        {"name": "window", "label": "Quantile window", "type": "custom", "query": "1h,6h,1d,7d", "current": {"text": "1d", "value": "1d"},
         "options": [{"text": v, "value": v, "selected": v == "1d"} for v in ["1h", "6h", "1d", "7d"]], "hide": 0},
    ]},
    "annotations": {"list": []},
    "panels": panels,
}
OUT.write_text(json.dumps(dash, indent=2) + "\n", encoding="utf-8")
print(f"{OUT} written: {len(panels)} panels")
