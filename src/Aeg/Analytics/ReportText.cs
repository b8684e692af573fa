using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Aeg.Analytics;

/// <summary>The serialisation contracts of <see cref="AnalystReport"/>, generated at compile time.</summary>
[JsonSerializable(typeof(AnalystReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

/// <summary>Writes an <see cref="AnalystReport"/> as a terminal table, CSV or JSON.</summary>
public static class ReportText
{
    private static readonly string[] DurationTitles = ["TIME TO RESPOND", "TIME TO REVIEW", "TIME TO CLOSE"];

    /// <summary>The JSON options of <c>aeg report --format json</c> (camelCase, nulls written).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.Default,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Source-generated: the native (AOT) aeg has no reflection-based serialisation.
        TypeInfoResolver = ReportJsonContext.Default,
    };

    /// <summary>The report's contract under <see cref="Json"/>.</summary>
    internal static JsonTypeInfo<AnalystReport> ReportInfo => (JsonTypeInfo<AnalystReport>)Json.GetTypeInfo(typeof(AnalystReport));

    public static string ToJson(AnalystReport report) => JsonSerializer.Serialize(report, ReportInfo);

    /// <summary>Seconds as a short human duration: 45s, 12m 05s, 3h 20m, 2d 04h.</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } s)
        {
            return "-";
        }
        var t = TimeSpan.FromSeconds(Math.Round(s));
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays}d {t.Hours:00}h"
            : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes:00}m"
            : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m {t.Seconds:00}s"
            : $"{t.Seconds}s";
    }

    /// <summary>Aligned tables (durations, transitions per stage, time in each stage) and the counted notes.</summary>
    public static string ToTable(AnalystReport r)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Analyst metrics from {Iso(r.From)} to {Iso(r.To)} (UTC; durations end in the period)");
        text.AppendLine();
        if (r.Analysts.Count == 0)
        {
            text.AppendLine("No analyst activity recorded in this period.");
        }
        else
        {
            string[] top = ["", .. DurationTitles.SelectMany(t => new[] { t, "", "", "" })];
            string[] header = ["ANALYST", .. Enumerable.Repeat(new[] { "N", "MEDIAN", "P90", "MEAN" }, 3).SelectMany(x => x)];
            var rows = r.Analysts.Select(a => new[] { a.Analyst }.Concat(new[] { a.TimeToRespond, a.TimeToReview, a.TimeToClose }
                .SelectMany(s => new[] { s.Count.ToString(CultureInfo.InvariantCulture), Duration(s.MedianSeconds), Duration(s.P90Seconds), Duration(s.MeanSeconds) })).ToArray());
            Align(text, [top, header, .. rows], groupStarts: [1, 5, 9]);
            text.AppendLine();
            string[] stageHeader = ["ANALYST", .. r.Stages.Select(s => s.ToUpperInvariant())];
            var stageRows = r.Analysts.Select(a => new[] { a.Analyst }.Concat(r.Stages.Select(s => a.Stages.GetValueOrDefault(s).ToString(CultureInfo.InvariantCulture))).ToArray());
            text.AppendLine("Transitions into each stage:");
            Align(text, [stageHeader, .. stageRows], groupStarts: []);
        }
        if (r.TimeInStage.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Time in each stage (stays that ended in the period; the first wait in the initial stage is the time to respond):");
            string[] stayHeader = ["STAGE", "N", "MEDIAN", "P90", "MEAN"];
            var stayRows = r.TimeInStage.Select(t => new[] { t.Stage, t.Time.Count.ToString(CultureInfo.InvariantCulture),
                Duration(t.Time.MedianSeconds), Duration(t.Time.P90Seconds), Duration(t.Time.MeanSeconds) }).ToArray();
            Align(text, [stayHeader, .. stayRows], groupStarts: []);
        }
        if (r.Obtained.Any(o => o.Recovered + o.Inferred > 0))
        {
            // A figure built on guesses must say so: recovered ends are ESM's own audit lines, inferred ones are not.
            text.AppendLine();
            text.AppendLine("How the durations were obtained: " + string.Join("; ", r.Obtained.Select(o =>
                $"{o.Measure} {o.Observed} observed, {o.Recovered} recovered from the audit trail, {o.Inferred} inferred credit")));
        }
        if (r.Notes.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Counted, not measured: " + string.Join(", ", r.Notes.Select(n => $"{n.Key} {n.Value}")));
        }
        ReportTextManagement.AppendTable(text, r);
        text.Append(r.Cases.ToTable());
        return text.ToString();
    }

    /// <summary>One line per analyst: the duration figures in seconds, transitions per stage, then the time in each stage of the stays the analyst ended.</summary>
    public static string ToCsv(AnalystReport r)
    {
        var text = new StringBuilder();
        var kinds = new[] { "respond", "review", "close" };
        var header = new List<string> { "analyst" };
        header.AddRange(kinds.SelectMany(k => new[] { $"{k}_count", $"{k}_median_seconds", $"{k}_p90_seconds", $"{k}_mean_seconds" }));
        header.AddRange(r.Stages.Select(s => "stage_" + s));
        header.AddRange(r.TimeInStage.SelectMany(t => new[] { $"time_in_{t.Stage}_count", $"time_in_{t.Stage}_median_seconds", $"time_in_{t.Stage}_p90_seconds" }));
        text.Append(string.Join(",", header.Select(Csv))).Append("\r\n");
        foreach (var a in r.Analysts)
        {
            var cells = new List<string> { a.Analyst };
            foreach (var s in new[] { a.TimeToRespond, a.TimeToReview, a.TimeToClose })
            {
                cells.Add(s.Count.ToString(CultureInfo.InvariantCulture));
                cells.AddRange(new[] { s.MedianSeconds, s.P90Seconds, s.MeanSeconds }.Select(v => v?.ToString("R", CultureInfo.InvariantCulture) ?? ""));
            }
            cells.AddRange(r.Stages.Select(s => a.Stages.GetValueOrDefault(s).ToString(CultureInfo.InvariantCulture)));
            foreach (var t in r.TimeInStage)
            {
                var mine = a.TimeInStage.GetValueOrDefault(t.Stage);
                cells.Add((mine?.Count ?? 0).ToString(CultureInfo.InvariantCulture));
                cells.AddRange(new[] { mine?.MedianSeconds, mine?.P90Seconds }.Select(v => v?.ToString("R", CultureInfo.InvariantCulture) ?? ""));
            }
            text.Append(string.Join(",", cells.Select(Csv))).Append("\r\n");
        }
        ReportTextManagement.AppendCsv(text, r);
        text.Append(r.Cases.ToCsv(Csv));
        return text.ToString();
    }

    internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    // RFC 4180: quote a field holding a comma, quote or line break; double the quotes. A leading
    // = + - @ is prefixed with ' so a spreadsheet does not run an analyst name as a formula.
    internal static string Csv(string field)
    {
        if (field.Length > 0 && "=+-@".Contains(field[0]) && !double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            field = "'" + field;
        }
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
    }

    internal static void Align(StringBuilder text, List<string[]> rows, int[] groupStarts)
    {
        var columns = rows.Max(r => r.Length);
        // Group titles span columns, so they do not size a single column.
        var sized = groupStarts.Length > 0 ? rows.Skip(1).ToList() : rows;
        var widths = Enumerable.Range(0, columns).Select(i => sized.Max(r => i < r.Length ? r[i].Length : 0)).ToArray();
        // A group title spans its four columns; widen the group when the title is longer.
        foreach (var start in groupStarts)
        {
            var title = rows[0][start].Length;
            var span = widths.Skip(start).Take(4).Sum() + 6;
            if (title > span)
            {
                widths[start + 3] += title - span;
            }
        }
        foreach (var row in rows)
        {
            var line = new StringBuilder();
            for (var i = 0; i < row.Length; i++)
            {
                var isGroupTitle = groupStarts.Contains(i) && row == rows[0];
                if (isGroupTitle)
                {
                    var span = widths.Skip(i).Take(4).Sum() + 6;
                    line.Append(row[i].PadRight(span)).Append("  ");
                    i += 3;
                    continue;
                }
                // Names left, figures right.
                line.Append(i == 0 ? row[i].PadRight(widths[i]) : row[i].PadLeft(widths[i])).Append("  ");
            }
            text.AppendLine(line.ToString().TrimEnd());
        }
    }
}
