using System.Globalization;
using System.Text;

namespace Aeg.Analytics.Cases;

/// <summary>One case owner's figures in a period: time to close (with how many of the closes followed a re-open) and time to the first stage change.</summary>
public sealed record CaseOwnerFigures(string Owner, DurationStats TimeToClose, DurationStats TimeToFirstStageChange);

/// <summary>The ESM case section of <c>aeg report</c>: per owner, the case durations that ended in the period.</summary>
public sealed record CaseReport(List<CaseOwnerFigures> Owners)
{
    /// <summary>The figures of <paramref name="durations"/>, owners in ordinal order.</summary>
    public static CaseReport Of(IEnumerable<CaseDuration> durations) => new([.. durations.GroupBy(d => d.Owner, StringComparer.Ordinal)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => new CaseOwnerFigures(g.Key,
            DurationStats.Of(g.Where(d => d.Kind == CaseDurationKind.Close).Select(d => d.Seconds)),
            DurationStats.Of(g.Where(d => d.Kind == CaseDurationKind.FirstChange).Select(d => d.Seconds))))]);

    /// <summary>The section of [<paramref name="from"/>, <paramref name="to"/>) from the history in <paramref name="analyticsDb"/> (none: empty).</summary>
    public static CaseReport Build(string? analyticsDb, DateTimeOffset from, DateTimeOffset to) =>
        Of(analyticsDb is null ? [] : CaseHistoryStore.ReadDurations(analyticsDb, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds()));

    /// <summary>The terminal table: a title line and one line per owner (nothing when no case was measured).</summary>
    public string ToTable()
    {
        if (Owners.Count == 0)
        {
            return "";
        }
        var rows = new List<string[]> { new[] { "CASE OWNER", "CLOSED", "MEDIAN", "P90", "MEAN", "FIRST CHANGES", "MEDIAN", "P90" } };
        rows.AddRange(Owners.Select(o => new[]
        {
            o.Owner, Count(o.TimeToClose), ReportText.Duration(o.TimeToClose.MedianSeconds), ReportText.Duration(o.TimeToClose.P90Seconds), ReportText.Duration(o.TimeToClose.MeanSeconds),
            Count(o.TimeToFirstStageChange), ReportText.Duration(o.TimeToFirstStageChange.MedianSeconds), ReportText.Duration(o.TimeToFirstStageChange.P90Seconds),
        }));
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("ESM cases per owner (time to close: creation or re-open → a closed stage; time to first stage change: creation → the first stage move):");
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
        return text.ToString();
    }

    /// <summary>CSV: after a blank line, a table of its own (header <c>case_owner,…</c>); nothing when no case was measured, so the analyst table stays alone.</summary>
    public string ToCsv(Func<string, string> quote)
    {
        if (Owners.Count == 0)
        {
            return "";
        }
        var text = new StringBuilder("\r\n");
        text.Append("case_owner,close_count,close_median_seconds,close_p90_seconds,close_mean_seconds,first_change_count,first_change_median_seconds,first_change_p90_seconds,first_change_mean_seconds\r\n");
        foreach (var o in Owners)
        {
            var cells = new List<string> { quote(o.Owner) };
            foreach (var s in new[] { o.TimeToClose, o.TimeToFirstStageChange })
            {
                cells.Add(s.Count.ToString(CultureInfo.InvariantCulture));
                cells.AddRange(new[] { s.MedianSeconds, s.P90Seconds, s.MeanSeconds }.Select(v => v?.ToString("R", CultureInfo.InvariantCulture) ?? ""));
            }
            text.Append(string.Join(",", cells)).Append("\r\n");
        }
        return text.ToString();
    }

    private static string Count(DurationStats s) => s.Count.ToString(CultureInfo.InvariantCulture);
}
