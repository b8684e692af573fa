using System.Globalization;

namespace Aeg.Analytics;

/// <summary>Count, median, 90th percentile and mean of one duration, in seconds; null figures when the count is 0.</summary>
public sealed record DurationStats(int Count, double? MedianSeconds, double? P90Seconds, double? MeanSeconds)
{
    /// <summary>
    /// Figures of a set of values. Percentiles interpolate linearly between the closest ranks
    /// (the definition of numpy's default and Excel's PERCENTILE.INC), so the median of an even
    /// count is the mean of the two middle values.
    /// </summary>
    public static DurationStats Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0
            ? new DurationStats(0, null, null, null)
            : new DurationStats(sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.9), sorted.Average());
    }

    /// <summary>The <paramref name="p"/> quantile (0–1) of ascending values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        var rank = (sorted.Count - 1) * p;
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + ((rank - below) * (sorted[above] - sorted[below]));
    }
}

/// <summary>One analyst's figures in a period: the three durations and the transitions into each stage.</summary>
public sealed record AnalystFigures(string Analyst, DurationStats TimeToRespond, DurationStats TimeToReview, DurationStats TimeToClose,
    SortedDictionary<string, int> Stages);

/// <summary>Stage transitions and closes on one UTC day.</summary>
public sealed record DailyVolume(string Date, int Transitions, int Closes);

/// <summary>How many closes took at most <see cref="UpToSeconds"/> (null: longer than the last bound).</summary>
public sealed record CloseBucket(string Label, double? UpToSeconds, int Count);

/// <summary>The analyst metrics of a period, as <c>aeg report</c> prints and draws them.</summary>
public sealed record AnalystReport(DateTimeOffset From, DateTimeOffset To, List<AnalystFigures> Analysts, List<string> Stages,
    SortedDictionary<string, int> Notes, List<DailyVolume> Daily, List<CloseBucket> TimeToCloseDistribution)
{
    /// <summary>
    /// Builds the report of [<paramref name="from"/>, <paramref name="to"/>): a duration belongs to
    /// the period in which it ended, a transition to the period in which it was made. A
    /// <c>progress</c> (a terminal's progress line) is told of each row read.
    /// </summary>
    public static AnalystReport Build(AnalyticsStore? store, DateTimeOffset from, DateTimeOffset to, ReportProgress? progress = null)
    {
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        var durations = store?.Durations(fromMs, toMs, progress) ?? [];
        var transitions = store?.Transitions(fromMs, toMs, progress) ?? [];
        var notes = store?.Notes(fromMs, toMs, progress) ?? [];

        var analysts = durations.Select(d => d.Analyst).Concat(transitions.Select(t => t.Analyst)).Distinct().Order(StringComparer.Ordinal);
        var stages = transitions.Select(t => t.ToStage).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var figures = analysts.Select(a =>
        {
            DurationStats Stats(DurationKind kind) => DurationStats.Of(durations.Where(d => d.Analyst == a && d.Kind == kind).Select(d => d.Seconds));
            var stageCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var g in transitions.Where(t => t.Analyst == a).GroupBy(t => t.ToStage, StringComparer.OrdinalIgnoreCase))
            {
                stageCounts[stages.First(s => string.Equals(s, g.Key, StringComparison.OrdinalIgnoreCase))] = g.Count();
            }
            return new AnalystFigures(a, Stats(DurationKind.Respond), Stats(DurationKind.Review), Stats(DurationKind.Close), stageCounts);
        }).ToList();

        var noteCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in notes.GroupBy(n => n.Note))
        {
            noteCounts[g.Key.ToString()] = g.Count();
        }
        return new AnalystReport(from, to, figures, stages, noteCounts, DailyVolumes(transitions, durations), CloseDistribution(durations));
    }

    private static List<DailyVolume> DailyVolumes(List<StageTransition> transitions, List<AnalystDuration> durations)
    {
        static DateOnly Day(long ms) => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime);
        var closes = durations.Where(d => d.Kind == DurationKind.Close).GroupBy(d => Day(d.EndMs)).ToDictionary(g => g.Key, g => g.Count());
        var perDay = transitions.GroupBy(t => Day(t.TimeMs)).ToDictionary(g => g.Key, g => g.Count());
        var days = perDay.Keys.Concat(closes.Keys).ToList();
        if (days.Count == 0)
        {
            return [];
        }
        // Every day between the first and the last active one, so quiet days show as gaps in the chart.
        var list = new List<DailyVolume>();
        for (var d = days.Min(); d <= days.Max(); d = d.AddDays(1))
        {
            list.Add(new DailyVolume(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), perDay.GetValueOrDefault(d), closes.GetValueOrDefault(d)));
        }
        return list;
    }

    private static string Bound(double seconds)
    {
        var (unit, suffix) = seconds % 86400 == 0 ? (86400, "d") : seconds % 3600 == 0 ? (3600, "h") : (60, "m");
        return (seconds / unit).ToString(CultureInfo.InvariantCulture) + suffix;
    }

    private static List<CloseBucket> CloseDistribution(List<AnalystDuration> durations)
    {
        var bounds = AnalystHistograms.BucketSeconds;
        var counts = new int[bounds.Length + 1];
        foreach (var d in durations.Where(d => d.Kind == DurationKind.Close))
        {
            var i = Array.BinarySearch(bounds, d.Seconds);
            counts[i >= 0 ? i : ~i]++;
        }
        return [.. counts.Select((c, i) => i < bounds.Length
            ? new CloseBucket("≤ " + Bound(bounds[i]), bounds[i], c)
            : new CloseBucket("> " + Bound(bounds[^1]), null, c))];
    }
}
