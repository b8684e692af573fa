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
    public static DurationStats Of(IEnumerable<double> values) => OfSortedInPlace([.. values]);

    /// <summary>As <see cref="Of"/>, sorting <paramref name="values"/> itself instead of a copy (a report's largest list).</summary>
    public static DurationStats OfSortedInPlace(List<double> values)
    {
        values.Sort();
        return values.Count == 0
            ? new DurationStats(0, null, null, null)
            : new DurationStats(values.Count, Percentile(values, 0.5), Percentile(values, 0.9), values.Average());
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

/// <summary>
/// One analyst's figures in a period: the three durations, the transitions into each stage, and
/// the time in each stage of the stays the analyst ended.
/// </summary>
public sealed record AnalystFigures(string Analyst, DurationStats TimeToRespond, DurationStats TimeToReview, DurationStats TimeToClose,
    SortedDictionary<string, int> Stages, SortedDictionary<string, DurationStats> TimeInStage);

/// <summary>How long events stayed in one stage (stays that ended in the period, <see cref="StageStays"/>).</summary>
public sealed record StageTime(string Stage, DurationStats Time);

/// <summary>Stage transitions and closes on one UTC day.</summary>
public sealed record DailyVolume(string Date, int Transitions, int Closes);

/// <summary>How many closes took at most <see cref="UpToSeconds"/> (null: longer than the last bound).</summary>
public sealed record CloseBucket(string Label, double? UpToSeconds, int Count);

/// <summary>How the durations of one measure in a period were obtained (<see cref="DurationSource"/>).</summary>
public sealed record ObtainedSplit(string Measure, int Observed, int Recovered, int Inferred);

/// <summary>The analyst metrics of a period, as <c>aeg report</c> prints and draws them.</summary>
public sealed partial record AnalystReport(DateTimeOffset From, DateTimeOffset To, List<AnalystFigures> Analysts, List<string> Stages,
    SortedDictionary<string, int> Notes, List<DailyVolume> Daily, List<CloseBucket> TimeToCloseDistribution, List<ObtainedSplit> Obtained,
    List<StageTime> TimeInStage)
{
    /// <summary>What a SOC manager tracks beside the durations (<see cref="ManagementReport"/>).</summary>
    public ManagementFigures? Management { get; init; }

    /// <summary>
    /// Builds the report of [<paramref name="from"/>, <paramref name="to"/>): a duration belongs to
    /// the period in which it ended, a transition to the period in which it was made. A
    /// <c>progress</c> (a terminal's progress line) is told of each row read. The time in each
    /// stage is read only with <paramref name="stageTimes"/> (it costs a pass over every
    /// transition of the period's events; empty otherwise).
    /// </summary>
    public static AnalystReport Build(AnalyticsStore? store, DateTimeOffset from, DateTimeOffset to, ReportProgress? progress = null, bool stageTimes = false,
        AnalyticsOptions? options = null, int listSize = ManagementReport.DefaultListSize)
    {
        var period = store?.ReadPeriod(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), progress, stageTimes) ?? new PeriodTotals();

        // A stage spelled differently by two analysts ("closed", "Closed") is one stage, named as first seen.
        var stageNames = new Dictionary<string, (string Name, long FirstMs)>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in period.StageCounts)
        {
            if (!stageNames.TryGetValue(c.Stage, out var seen) || c.FirstMs < seen.FirstMs
                || (c.FirstMs == seen.FirstMs && string.CompareOrdinal(c.Stage, seen.Name) < 0))
            {
                stageNames[c.Stage] = (c.Stage, c.FirstMs);
            }
        }
        var stages = stageNames.Values.Select(v => v.Name).Order(StringComparer.Ordinal).ToList();
        string StageName(string stage) => stageNames.TryGetValue(stage, out var n) ? n.Name : stage;
        var stays = period.StageStays.GroupBy(kv => StageName(kv.Key.Stage), StringComparer.OrdinalIgnoreCase).ToList();
        var timeInStage = stays.OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new StageTime(g.Key, DurationStats.Of(g.SelectMany(kv => kv.Value)))).ToList();
        var analysts = period.Lengths.Keys.Select(k => k.Analyst).Concat(period.StageCounts.Select(c => c.Analyst))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var figures = analysts.Select(a =>
        {
            DurationStats Stats(DurationKind kind) => DurationStats.OfSortedInPlace(period.Lengths.GetValueOrDefault((kind, a)) ?? []);
            var stageCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var c in period.StageCounts.Where(c => c.Analyst == a))
            {
                var name = stageNames[c.Stage].Name;
                stageCounts[name] = stageCounts.GetValueOrDefault(name) + c.Count;
            }
            var inStage = new SortedDictionary<string, DurationStats>(StringComparer.Ordinal);
            foreach (var g in stays)
            {
                var mine = g.Where(kv => kv.Key.Analyst == a).SelectMany(kv => kv.Value).ToList();
                if (mine.Count > 0)
                {
                    inStage[g.Key] = DurationStats.OfSortedInPlace(mine);
                }
            }
            return new AnalystFigures(a, Stats(DurationKind.Respond), Stats(DurationKind.Review), Stats(DurationKind.Close), stageCounts, inStage);
        }).ToList();

        var noteCounts = new SortedDictionary<string, int>(period.Notes, StringComparer.Ordinal);
        var closes = period.Lengths.Where(l => l.Key.Kind == DurationKind.Close).SelectMany(l => l.Value);
        var obtained = Enum.GetValues<DurationKind>().Select(k => new ObtainedSplit(k.ToString().ToLowerInvariant(),
            period.Obtained.GetValueOrDefault((k, DurationSource.Observed)), period.Obtained.GetValueOrDefault((k, DurationSource.Recovered)),
            period.Obtained.GetValueOrDefault((k, DurationSource.Inferred)))).ToList();
        return new AnalystReport(from, to, figures, stages, noteCounts, DailyVolumes(period), CloseDistribution(closes), obtained, timeInStage)
        {
            Management = ManagementReport.Build(store, from, to, options ?? new AnalyticsOptions(), period, listSize),
            Cases = global::Aeg.Analytics.Cases.CaseReport.Build(store?.Path, from, to),
        };
    }

    private static List<DailyVolume> DailyVolumes(PeriodTotals period)
    {
        var days = period.TransitionsPerDay.Keys.Concat(period.ClosesPerDay.Keys).ToList();
        if (days.Count == 0)
        {
            return [];
        }
        // Every day between the first and the last active one, so quiet days show as gaps in the chart.
        var list = new List<DailyVolume>();
        for (var d = days.Min(); d <= days.Max(); d++)
        {
            var date = DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)d);
            list.Add(new DailyVolume(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), period.TransitionsPerDay.GetValueOrDefault(d),
                period.ClosesPerDay.GetValueOrDefault(d)));
        }
        return list;
    }

    private static string Bound(double seconds)
    {
        var (unit, suffix) = seconds % 86400 == 0 ? (86400, "d") : seconds % 3600 == 0 ? (3600, "h") : (60, "m");
        return (seconds / unit).ToString(CultureInfo.InvariantCulture) + suffix;
    }

    private static List<CloseBucket> CloseDistribution(IEnumerable<double> closeSeconds)
    {
        var bounds = AnalystHistograms.BucketSeconds;
        var counts = new int[bounds.Length + 1];
        foreach (var seconds in closeSeconds)
        {
            counts[Metrics.Histogram.BucketOf(bounds, seconds)]++;
        }
        return [.. counts.Select((c, i) => i < bounds.Length
            ? new CloseBucket("≤ " + Bound(bounds[i]), bounds[i], c)
            : new CloseBucket("> " + Bound(bounds[^1]), null, c))];
    }
}
