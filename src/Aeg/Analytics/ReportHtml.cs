using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Aeg.Analytics;

/// <summary>
/// <c>aeg report --html</c>: one self-contained page (inline CSS, SVG drawn by inline script, the
/// report as embedded JSON) that needs no network: per-analyst medians, the distribution of time
/// to close, and daily volume.
/// </summary>
public static class ReportHtml
{
    public static string Render(AnalystReport report)
    {
        // The default encoder escapes <, > and & as \u003C etc., so the JSON cannot end the script element.
        var data = JsonSerializer.Serialize(report, ReportText.ReportInfo);
        var title = $"Aeg analyst metrics {ReportText.Iso(report.From)} – {ReportText.Iso(report.To)}";
        var values = new Dictionary<string, string>
        {
            ["TITLE"] = WebUtility.HtmlEncode(title),
            ["TABLE"] = WebUtility.HtmlEncode(ReportText.ToTable(report)),
            ["DATA"] = data,
            ["MANAGEMENT"] = ReportHtmlManagement.Render(report),
        };
        // One pass, so a marker inside an inserted value (an analyst's name) is left alone.
        return Regex.Replace(Template, @"\{\{(TITLE|TABLE|DATA|MANAGEMENT)\}\}", m => values[m.Groups[1].Value]);
    }

    private const string Template = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <title>{{TITLE}}</title>
        <style>
          body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
          h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
          svg { display: block; background: #fafafa; border: 1px solid #ddd; }
          .axis { stroke: #888; } .label { font-size: 11px; fill: #444; }
          .respond { fill: #4e79a7; } .review { fill: #f28e2b; } .close { fill: #59a14f; }
          .volume { fill: #76b7b2; } .closes { fill: #e15759; } .dist { fill: #59a14f; }
          pre { background: #f4f4f4; padding: 1em; overflow-x: auto; }
          .legend span { display: inline-block; margin-right: 1.5em; }
          .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
        </style>
        </head>
        <body>
        <h1>{{TITLE}}</h1>
        <h2>Median durations per analyst</h2>
        <p class="legend"><span><i style="background:#4e79a7"></i>time to respond</span><span><i style="background:#f28e2b"></i>time to review</span><span><i style="background:#59a14f"></i>time to close</span></p>
        <svg id="chart-medians" width="900" height="320" role="img" aria-label="Median durations per analyst"></svg>
        <h2>Distribution of time to close</h2>
        <svg id="chart-close-distribution" width="900" height="300" role="img" aria-label="Distribution of time to close"></svg>
        <h2>Daily volume</h2>
        <p class="legend"><span><i style="background:#76b7b2"></i>stage transitions</span><span><i style="background:#e15759"></i>closes (points)</span></p>
        <svg id="chart-daily" width="900" height="300" role="img" aria-label="Daily volume"></svg>
        {{MANAGEMENT}}
        <h2>Figures</h2>
        <pre>{{TABLE}}</pre>
        <script id="report-data" type="application/json">{{DATA}}</script>
        <script>
        (function () {
          "use strict";
          var report = JSON.parse(document.getElementById("report-data").textContent);
          var NS = "http://www.w3.org/2000/svg";
          function el(parent, name, attrs, text) {
            var e = document.createElementNS(NS, name);
            for (var k in attrs) { e.setAttribute(k, attrs[k]); }
            if (text !== undefined) { e.textContent = text; }
            parent.appendChild(e);
            return e;
          }
          function human(s) {
            if (s === null || s === undefined) { return "-"; }
            s = Math.round(s);
            function two(n) { return (n < 10 ? "0" : "") + n; }
            if (s >= 86400) { return Math.floor(s / 86400) + "d " + two(Math.floor(s % 86400 / 3600)) + "h"; }
            if (s >= 3600) { return Math.floor(s / 3600) + "h " + two(Math.floor(s % 3600 / 60)) + "m"; }
            if (s >= 60) { return Math.floor(s / 60) + "m " + two(s % 60) + "s"; }
            return s + "s";
          }
          // A frame with a y axis from 0 to max; returns the plotting geometry.
          function frame(svg, max, format) {
            var w = +svg.getAttribute("width"), h = +svg.getAttribute("height");
            var g = { left: 70, right: 10, top: 10, bottom: 60 };
            g.width = w - g.left - g.right; g.height = h - g.top - g.bottom; g.max = max > 0 ? max : 1;
            g.y = function (v) { return g.top + g.height - v / g.max * g.height; };
            el(svg, "line", { "class": "axis", x1: g.left, y1: g.top, x2: g.left, y2: g.top + g.height });
            el(svg, "line", { "class": "axis", x1: g.left, y1: g.top + g.height, x2: g.left + g.width, y2: g.top + g.height });
            for (var i = 0; i <= 4; i++) {
              var v = g.max * i / 4;
              el(svg, "text", { "class": "label", x: g.left - 6, y: g.y(v) + 4, "text-anchor": "end" }, format(v));
            }
            return g;
          }
          function xLabel(svg, g, x, text) {
            el(svg, "text", { "class": "label", x: x, y: g.top + g.height + 14, "text-anchor": "end",
              transform: "rotate(-35 " + x + " " + (g.top + g.height + 14) + ")" }, text);
          }
          // Counts get whole-number ticks: the axis top is rounded up to a multiple of 4.
          function countMax(max) { return Math.max(4, Math.ceil(max / 4) * 4); }
          function count(v) { return String(Math.round(v)); }
          function empty(svg, text) {
            el(svg, "text", { "class": "label", x: 20, y: 30 }, text);
          }

          function medians() {
            var svg = document.getElementById("chart-medians");
            var kinds = [["timeToRespond", "respond"], ["timeToReview", "review"], ["timeToClose", "close"]];
            var max = 0;
            report.analysts.forEach(function (a) { kinds.forEach(function (k) { max = Math.max(max, a[k[0]].medianSeconds || 0); }); });
            if (report.analysts.length === 0) { return empty(svg, "No durations in this period."); }
            var g = frame(svg, max, human), slot = g.width / report.analysts.length, bw = Math.min(30, slot / 4);
            report.analysts.forEach(function (a, i) {
              var x0 = g.left + i * slot + (slot - 3 * bw) / 2;
              kinds.forEach(function (k, j) {
                var s = a[k[0]];
                if (s.medianSeconds === null) { return; }
                var r = el(svg, "rect", { "class": "bar " + k[1], x: x0 + j * bw, y: g.y(s.medianSeconds), width: bw - 2,
                  height: g.top + g.height - g.y(s.medianSeconds) });
                el(r, "title", {}, a.analyst + " " + k[0] + ": median " + human(s.medianSeconds) + " over " + s.count);
              });
              xLabel(svg, g, g.left + i * slot + slot / 2, a.analyst);
            });
          }

          function closeDistribution() {
            var svg = document.getElementById("chart-close-distribution");
            var buckets = report.timeToCloseDistribution, max = 0;
            buckets.forEach(function (b) { max = Math.max(max, b.count); });
            var g = frame(svg, countMax(max), count), slot = g.width / buckets.length;
            buckets.forEach(function (b, i) {
              var r = el(svg, "rect", { "class": "bar dist", x: g.left + i * slot + 2, y: g.y(b.count), width: slot - 4,
                height: g.top + g.height - g.y(b.count) });
              el(r, "title", {}, b.label + ": " + b.count);
              xLabel(svg, g, g.left + i * slot + slot / 2, b.label);
            });
          }

          function daily() {
            var svg = document.getElementById("chart-daily");
            var days = report.daily, max = 0;
            if (days.length === 0) { return empty(svg, "No activity in this period."); }
            days.forEach(function (d) { max = Math.max(max, d.transitions, d.closes); });
            var g = frame(svg, countMax(max), count), slot = g.width / days.length;
            var every = Math.ceil(days.length / 30), bw = Math.max(1, Math.min(slot - 2, 40));
            days.forEach(function (d, i) {
              var r = el(svg, "rect", { "class": "bar volume", x: g.left + i * slot + (slot - bw) / 2, y: g.y(d.transitions), width: bw,
                height: g.top + g.height - g.y(d.transitions) });
              el(r, "title", {}, d.date + ": " + d.transitions + " transitions, " + d.closes + " closes");
              el(svg, "circle", { "class": "point closes", cx: g.left + i * slot + slot / 2, cy: g.y(d.closes), r: 3 });
              if (i % every === 0) { xLabel(svg, g, g.left + i * slot + slot / 2, d.date); }
            });
          }

          medians();
          closeDistribution();
          daily();
          document.body.setAttribute("data-charts-drawn", "3");
        })();
        </script>
        </body>
        </html>
        """;
}
