using System.Globalization;
using System.Net;
using System.Text;

namespace Aeg.Analytics;

/// <summary>
/// The manager's sections of <c>aeg report --html</c> (<see cref="ManagementFigures"/>): tables
/// written on the server side, with horizontal bars drawn as inline-styled elements (no script, so
/// they show even where the page's script is blocked).
/// </summary>
internal static class ReportHtmlManagement
{
    public static string Render(AnalystReport report)
    {
        if (report.Management is not { } m)
        {
            return "";
        }
        var html = new StringBuilder();
        Backlog(html, m.Backlog);
        Sla(html, m);
        Reopens(html, m.Reopens);
        DetectionToClose(html, m.DetectionToClose);
        Weekly(html, m.Weekly);
        Load(html, m.Load);
        return html.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    // A bar as wide as value is of max (a share of 200 px), with the number beside it.
    private static string Bar(long value, long max, string css) => string.Create(CultureInfo.InvariantCulture,
        $"<span class=\"hbar {css}\" style=\"width:{(max > 0 ? 200.0 * value / max : 0):0.#}px\"></span> {value}");

    private const string Style = """
        <style>
          table.m { border-collapse: collapse; margin: 0.5em 0 1em; } table.m th, table.m td { padding: 2px 10px; text-align: right; }
          table.m th { border-bottom: 1px solid #888; } table.m td:first-child, table.m th:first-child { text-align: left; }
          .hbar { display: inline-block; height: 10px; vertical-align: middle; } .open { background: #4e79a7; } .untouched { background: #e15759; }
        </style>
        """;

    private static void Backlog(StringBuilder html, OpenBacklog b)
    {
        html.AppendLine(Style);
        html.AppendLine(CultureInfo.InvariantCulture, $"<h2 id=\"backlog\">Open backlog at {E(ReportText.Iso(b.At))}</h2>");
        html.AppendLine(
            $"<p>{b.Open} events not in a final stage at the end of the period, {b.Untouched} of them untouched (never moved out of the initial stage); age from the event's MRT"
            + (b.OpenWithoutMrt > 0 ? $"; {b.OpenWithoutMrt} more without an MRT (age unknown)" : "") + ".</p>");
        var max = b.Bands.Count == 0 ? 0 : b.Bands.Max(x => x.Open);
        html.AppendLine("<table class=\"m\" id=\"backlog-bands\"><tr><th>age</th><th>open</th><th>untouched</th></tr>");
        foreach (var x in b.Bands)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{E(x.Label)}</td><td style=\"text-align:left\">{Bar(x.Open, max, "open")}</td><td style=\"text-align:left\">{Bar(x.Untouched, max, "untouched")}</td></tr>");
        }
        html.AppendLine("</table>");
        foreach (var (id, title, list) in new[] { ("oldest-untouched", "Oldest untouched", b.OldestUntouched), ("oldest-open", "Oldest open", b.OldestOpen) })
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<h3>{title}</h3>");
            if (list.Count == 0)
            {
                html.AppendLine("<p>None.</p>");
                continue;
            }
            html.AppendLine(CultureInfo.InvariantCulture, $"<table class=\"m\" id=\"{id}\"><tr><th>event</th><th>stage</th><th>age</th><th>last analyst</th></tr>");
            foreach (var e in list)
            {
                html.AppendLine(CultureInfo.InvariantCulture,
                    $"<tr><td>{N(e.EventId)}</td><td>{E(e.Stage)}</td><td>{E(ReportText.Duration(e.AgeSeconds))}</td><td>{E(e.LastAnalyst ?? "-")}</td></tr>");
            }
            html.AppendLine("</table>");
        }
    }

    private static void Sla(StringBuilder html, ManagementFigures m)
    {
        if (m.SlaTotals.Count == 0)
        {
            return;
        }
        html.AppendLine("<h2 id=\"sla\">SLA targets</h2>");
        html.AppendLine("<p>A duration longer than its target (<code>analytics.sla</code>) is a breach; the rate is breaches over the durations of the measure that ended in the period.</p>");
        html.AppendLine("<table class=\"m\" id=\"sla-breaches\"><tr><th>measure</th><th>target</th><th>analyst</th><th>durations</th><th>breaches</th><th>rate</th></tr>");
        foreach (var t in m.SlaTotals)
        {
            foreach (var x in m.Sla.Where(x => x.Measure == t.Measure).Append(t))
            {
                html.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{E(x.Measure)}</td><td>{E(ReportText.Duration(x.TargetSeconds))}</td><td>{E(x.Analyst ?? ReportTextManagement.AllAnalysts)}</td><td>{N(x.Count)}</td><td>{N(x.Breaches)}</td><td>{E(ReportTextManagement.Percent(x.BreachRate))}</td></tr>");
            }
        }
        html.AppendLine("</table>");
    }

    private static void Reopens(StringBuilder html, ReopenSummary o)
    {
        html.AppendLine("<h2 id=\"reopens\">Closes and re-opens</h2>");
        html.AppendLine(
            $"<p>{o.Closes} closes and {o.Reopens} re-opens in the period ({E(ReportTextManagement.Percent(o.ReopenRate))}); a re-open is charged to the analyst whose close it undid"
            + (o.Unattributed > 0 ? $"; {o.Unattributed} had no recorded close" : "") + ".</p>");
        html.AppendLine("<table class=\"m\" id=\"reopen-rates\"><tr><th>analyst</th><th>closes</th><th>re-opens</th><th>rate</th></tr>");
        foreach (var a in o.Analysts)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{E(a.Analyst)}</td><td>{N(a.Closes)}</td><td>{N(a.Reopens)}</td><td>{E(ReportTextManagement.Percent(a.ReopenRate))}</td></tr>");
        }
        html.AppendLine("</table>");
    }

    private static void DetectionToClose(StringBuilder html, DetectionToCloseSummary d)
    {
        html.AppendLine("<h2 id=\"detection-to-close\">Detection to close</h2>");
        html.AppendLine("<p>From the event's manager receipt time (MRT) to its final close in the period, re-opens included, by the analyst who closed it.</p>");
        html.AppendLine("<table class=\"m\" id=\"detection-to-close-table\"><tr><th>analyst</th><th>events</th><th>median</th><th>p90</th><th>mean</th></tr>");
        foreach (var a in d.Analysts.Append(new AnalystStats(ReportTextManagement.AllAnalysts, d.All)))
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{E(a.Analyst)}</td><td>{N(a.Time.Count)}</td><td>{E(ReportText.Duration(a.Time.MedianSeconds))}</td><td>{E(ReportText.Duration(a.Time.P90Seconds))}</td><td>{E(ReportText.Duration(a.Time.MeanSeconds))}</td></tr>");
        }
        html.AppendLine("</table>");
    }

    private static void Weekly(StringBuilder html, List<WeeklyFigures> weeks)
    {
        html.AppendLine("<h2 id=\"weekly\">Per analyst per ISO week</h2>");
        if (weeks.Count == 0)
        {
            html.AppendLine("<p>No activity in this period.</p>");
            return;
        }
        html.AppendLine("<p>UTC weeks, Monday first; the first and last may be cut by the period. Actions are stage changes; per measure, the durations that ended that week, their mean and the SLA breaches (- without a target).</p>");
        html.AppendLine("<table class=\"m\" id=\"weekly-table\"><tr><th>week</th><th>analyst</th><th>actions</th><th>responds</th><th>mean</th><th>breaches</th><th>reviews</th><th>mean</th><th>breaches</th><th>closes</th><th>mean</th><th>breaches</th></tr>");
        static string Opt(int? n) => n is { } v ? N(v) : "-";
        foreach (var w in weeks)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{E(w.Week)}</td><td>{E(w.Analyst)}</td><td>{N(w.Actions)}</td>"
                + $"<td>{N(w.RespondCount)}</td><td>{E(ReportText.Duration(w.RespondMeanSeconds))}</td><td>{Opt(w.RespondBreaches)}</td>"
                + $"<td>{N(w.ReviewCount)}</td><td>{E(ReportText.Duration(w.ReviewMeanSeconds))}</td><td>{Opt(w.ReviewBreaches)}</td>"
                + $"<td>{N(w.CloseCount)}</td><td>{E(ReportText.Duration(w.CloseMeanSeconds))}</td><td>{Opt(w.CloseBreaches)}</td></tr>");
        }
        html.AppendLine("</table>");
    }

    // A heat map: each cell shaded by its share of the busiest cell.
    private static void Load(StringBuilder html, LoadFigures load)
    {
        html.AppendLine("<h2 id=\"load\">Load by day of week and hour</h2>");
        html.AppendLine("<p>Stage changes made in the period, all analysts, by ISO day of week and UTC hour of day.</p>");
        var max = load.DayHour.Max(h => h.Max());
        html.Append("<table class=\"m\" id=\"load-heatmap\"><tr><th>day</th>");
        for (var h = 0; h < 24; h++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{h:00}</th>");
        }
        html.AppendLine("</tr>");
        for (var d = 0; d < 7; d++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{ReportTextManagement.Days[d]}</td>");
            foreach (var c in load.DayHour[d])
            {
                var shade = max > 0 ? 0.85 * c / max : 0;
                html.Append(CultureInfo.InvariantCulture, $"<td style=\"background:rgba(78,121,167,{shade:0.###})\">{c}</td>");
            }
            html.AppendLine("</tr>");
        }
        html.AppendLine("</table>");
    }
}
