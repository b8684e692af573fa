using System.Globalization;
using System.Text;

namespace Aeg.Analytics;

/// <summary>
/// The manager's sections (<see cref="ManagementFigures"/>) of the terminal table and the CSV of
/// <c>aeg report</c>: each CSV section is a block of its own after a blank line, its header's
/// first cell naming it.
/// </summary>
internal static class ReportTextManagement
{
    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double? s) => s?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    public static void AppendTable(StringBuilder text, AnalystReport r)
    {
        if (r.Management is not { } m)
        {
            return;
        }
        var b = m.Backlog;
        text.AppendLine();
        text.AppendLine(
            $"Open backlog at {ReportText.Iso(b.At)} (not in a final stage; age from the event's MRT): {b.Open} open, {b.Untouched} untouched"
            + (b.OpenWithoutMrt > 0 ? $", {b.OpenWithoutMrt} more without an MRT (age unknown)" : ""));
        ReportText.Align(text, [["AGE", "OPEN", "UNTOUCHED"], .. b.Bands.Select(x => new[] { x.Label, N(x.Open), N(x.Untouched) })], groupStarts: []);
        foreach (var (title, list) in new[] { ("Oldest untouched (never moved out of the initial stage):", b.OldestUntouched), ("Oldest open:", b.OldestOpen) })
        {
            if (list.Count == 0)
            {
                continue;
            }
            text.AppendLine(title);
            ReportText.Align(text, [["EVENT", "STAGE", "AGE", "LAST ANALYST"],
                .. list.Select(e => new[] { N(e.EventId), e.Stage, ReportText.Duration(e.AgeSeconds), e.LastAnalyst ?? "-" })], groupStarts: []);
        }
        if (m.SlaTotals.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("SLA targets (a duration longer than its target is a breach; stage targets need --stage-times):");
            ReportText.Align(text, [["MEASURE", "TARGET", "ANALYST", "N", "BREACHES", "RATE"],
                .. SlaRows(m).Select(x => new[] { x.Measure, ReportText.Duration(x.TargetSeconds), x.Analyst ?? AllAnalysts, N(x.Count), N(x.Breaches), Percent(x.BreachRate) })],
                groupStarts: []);
        }
        var o = m.Reopens;
        text.AppendLine();
        text.AppendLine($"Closes and re-opens (a re-open is charged to the analyst whose close it undid): {o.Closes} closes, {o.Reopens} re-opens ({Percent(o.ReopenRate)})"
            + (o.Unattributed > 0 ? $", {o.Unattributed} of them with no recorded close" : ""));
        if (o.Analysts.Count > 0)
        {
            ReportText.Align(text, [["ANALYST", "CLOSES", "REOPENS", "RATE"],
                .. o.Analysts.Select(a => new[] { a.Analyst, N(a.Closes), N(a.Reopens), Percent(a.ReopenRate) })], groupStarts: []);
        }
        var d = m.DetectionToClose;
        text.AppendLine();
        text.AppendLine("Detection to close (event MRT to its final close in the period, re-opens included; by the closing analyst):");
        ReportText.Align(text, [["ANALYST", "N", "MEDIAN", "P90", "MEAN"],
            .. d.Analysts.Append(new AnalystStats(AllAnalysts, d.All)).Select(a => new[] { a.Analyst, N(a.Time.Count),
                ReportText.Duration(a.Time.MedianSeconds), ReportText.Duration(a.Time.P90Seconds), ReportText.Duration(a.Time.MeanSeconds) })], groupStarts: []);
        if (m.Weekly.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Per analyst per ISO week (UTC): stage changes, then per measure the durations that ended, their mean, and SLA breaches:");
            ReportText.Align(text, [["WEEK", "ANALYST", "ACTIONS", "RESPOND N", "MEAN", "BREACHES", "REVIEW N", "MEAN", "BREACHES", "CLOSE N", "MEAN", "BREACHES"],
                .. m.Weekly.Select(w => new[] { w.Week, w.Analyst, N(w.Actions),
                    N(w.RespondCount), ReportText.Duration(w.RespondMeanSeconds), Opt(w.RespondBreaches),
                    N(w.ReviewCount), ReportText.Duration(w.ReviewMeanSeconds), Opt(w.ReviewBreaches),
                    N(w.CloseCount), ReportText.Duration(w.CloseMeanSeconds), Opt(w.CloseBreaches) })], groupStarts: []);
        }
        if (m.Load.Analysts.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Load: stage changes by day of week and UTC hour (all analysts):");
            ReportText.Align(text, [["DAY", .. Enumerable.Range(0, 24).Select(h => h.ToString("00", CultureInfo.InvariantCulture)), "TOTAL"],
                .. m.Load.DayHour.Select((hours, d) => new[] { Days[d] }.Concat(hours.Select(c => N(c))).Append(N(hours.Sum())).ToArray())], groupStarts: []);
            text.AppendLine("Load per analyst by day of week:");
            ReportText.Align(text, [["ANALYST", .. Days.Select(d => d.ToUpperInvariant()), "TOTAL"],
                .. m.Load.Analysts.Select(a => new[] { a.Analyst }.Concat(a.ByDay.Select(c => N(c))).Append(N(a.ByDay.Sum())).ToArray())], groupStarts: []);
        }
    }

    /// <summary>ISO days of week, Monday first.</summary>
    public static readonly string[] Days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    private static string Opt(int? n) => n is { } v ? N(v) : "-";

    /// <summary>How the report names the row of all analysts together.</summary>
    public const string AllAnalysts = "(all)";

    // Per measure: each analyst, then all of them.
    private static IEnumerable<SlaFigures> SlaRows(ManagementFigures m) =>
        m.SlaTotals.SelectMany(t => m.Sla.Where(x => x.Measure == t.Measure).Append(t));

    internal static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    public static void AppendCsv(StringBuilder text, AnalystReport r)
    {
        if (r.Management is not { } m)
        {
            return;
        }
        var b = m.Backlog;
        Block(text, ["backlog_age_band", "from_seconds", "to_seconds", "open", "untouched"],
            b.Bands.Select(x => new[] { x.Label, Seconds(x.FromSeconds), Seconds(x.ToSeconds), N(x.Open), N(x.Untouched) }));
        foreach (var (name, list) in new[] { ("oldest_untouched_event_id", b.OldestUntouched), ("oldest_open_event_id", b.OldestOpen) })
        {
            Block(text, [name, "stage", "age_seconds", "last_analyst"],
                list.Select(e => new[] { N(e.EventId), e.Stage, Seconds(e.AgeSeconds), e.LastAnalyst ?? "" }));
        }
        if (m.SlaTotals.Count > 0)
        {
            Block(text, ["sla_measure", "target_seconds", "analyst", "count", "breaches", "breach_rate"],
                SlaRows(m).Select(x => new[] { x.Measure, Seconds(x.TargetSeconds), x.Analyst ?? AllAnalysts, N(x.Count), N(x.Breaches), Seconds(x.BreachRate) }));
        }
        var o = m.Reopens;
        Block(text, ["reopen_analyst", "closes", "reopens", "reopen_rate"], o.Analysts
            .Append(new ReopenFigures(AllAnalysts, o.Closes, o.Reopens, o.ReopenRate))
            .Select(a => new[] { a.Analyst, N(a.Closes), N(a.Reopens), Seconds(a.ReopenRate) }));
        var d = m.DetectionToClose;
        Block(text, ["detection_to_close_analyst", "count", "median_seconds", "p90_seconds", "mean_seconds"], d.Analysts
            .Append(new AnalystStats(AllAnalysts, d.All))
            .Select(a => new[] { a.Analyst, N(a.Time.Count), Seconds(a.Time.MedianSeconds), Seconds(a.Time.P90Seconds), Seconds(a.Time.MeanSeconds) }));
        static string OptCsv(int? n) => n is { } v ? N(v) : "";
        Block(text, ["week", "week_start", "analyst", "actions", "respond_count", "respond_mean_seconds", "respond_breaches",
            "review_count", "review_mean_seconds", "review_breaches", "close_count", "close_mean_seconds", "close_breaches"],
            m.Weekly.Select(w => new[] { w.Week, w.WeekStart, w.Analyst, N(w.Actions), N(w.RespondCount), Seconds(w.RespondMeanSeconds), OptCsv(w.RespondBreaches),
                N(w.ReviewCount), Seconds(w.ReviewMeanSeconds), OptCsv(w.ReviewBreaches), N(w.CloseCount), Seconds(w.CloseMeanSeconds), OptCsv(w.CloseBreaches) }));
        var hours = Enumerable.Range(0, 24).Select(h => "h" + h.ToString("00", CultureInfo.InvariantCulture)).ToArray();
        Block(text, ["load_day_of_week", .. hours], m.Load.DayHour.Select((c, d) => new[] { Days[d] }.Concat(c.Select(x => N(x))).ToArray()));
        Block(text, ["load_analyst_by_day", .. Days.Select(d => d.ToLowerInvariant())], m.Load.Analysts.Select(a => new[] { a.Analyst }.Concat(a.ByDay.Select(x => N(x))).ToArray()));
        Block(text, ["load_analyst_by_hour", .. hours], m.Load.Analysts.Select(a => new[] { a.Analyst }.Concat(a.ByHour.Select(x => N(x))).ToArray()));
    }

    private static void Block(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        text.Append("\r\n");
        text.Append(string.Join(",", header.Select(ReportText.Csv))).Append("\r\n");
        foreach (var row in rows)
        {
            text.Append(string.Join(",", row.Select(ReportText.Csv))).Append("\r\n");
        }
    }
}
