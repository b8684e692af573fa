namespace Aeg.Analytics;

/// <summary>Builds the manager's sections of a report (<see cref="ManagementFigures"/>) from the history.</summary>
public static class ManagementReport
{
    /// <summary>How many of the oldest open and oldest untouched events a report lists by default.</summary>
    public const int DefaultListSize = 10;

    /// <summary>
    /// The figures of [<paramref name="from"/>, <paramref name="to"/>): the backlog is the one open
    /// at <paramref name="to"/>; SLA breaches are counted over the <paramref name="period"/>'s
    /// durations (and stays, when they were read).
    /// </summary>
    public static ManagementFigures Build(AnalyticsStore? store, DateTimeOffset from, DateTimeOffset to, AnalyticsOptions options, PeriodTotals period,
        int listSize = DefaultListSize)
    {
        var (fromMs, atMs) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var finals = options.FinalStages ?? [];
        var backlog = store?.ReadBacklog(atMs, options.InitialStage, finals, listSize) ?? EmptyBacklog(to);
        var (sla, slaTotals) = Sla(options.Sla ?? new SlaOptions(), period);
        var activity = new Activity(finals);
        store?.ReadActivity(fromMs, atMs, activity.Add);
        return new ManagementFigures(backlog, sla, slaTotals, Reopens(store, fromMs, atMs, finals, activity.Closes), DetectionToClose(store, fromMs, atMs, finals),
            Weekly(store, fromMs, atMs, options.Sla ?? new SlaOptions(), activity.WeeklyActions), activity.Load());
    }

    /// <summary>One pass over the period's stage changes (grouped by analyst, hour and stages): closes, weekly actions, load.</summary>
    private sealed class Activity(IReadOnlyCollection<string> finalStages)
    {
        private readonly HashSet<string> _finals = new(finalStages, StringComparer.OrdinalIgnoreCase);
        private readonly List<int[]> _dayHour = [.. Enumerable.Range(0, 7).Select(_ => new int[24])];
        private readonly SortedDictionary<string, AnalystLoad> _analysts = new(StringComparer.Ordinal);

        public Dictionary<string, int> Closes { get; } = new(StringComparer.Ordinal);

        public Dictionary<(long Monday, string Analyst), int> WeeklyActions { get; } = [];

        public void Add(string analyst, long hours, string fromStage, string toStage, int count)
        {
            if (!_finals.Contains(fromStage) && _finals.Contains(toStage))
            {
                Closes[analyst] = Closes.GetValueOrDefault(analyst) + count;
            }
            var day = DayOfHour(hours);
            var week = (MondayOf(day), analyst);
            WeeklyActions[week] = WeeklyActions.GetValueOrDefault(week) + count;
            var (isoDay, hour) = (IsoDayOf(day), (int)(hours - (day * 24)));
            _dayHour[isoDay - 1][hour] += count;
            if (!_analysts.TryGetValue(analyst, out var load))
            {
                _analysts[analyst] = load = new AnalystLoad(analyst, new int[7], new int[24]);
            }
            load.ByDay[isoDay - 1] += count;
            load.ByHour[hour] += count;
        }

        public LoadFigures Load() => new(_dayHour, [.. _analysts.Values]);
    }

    // Days since 1970 of the Monday of a day's ISO week (1970-01-01, day 0, was a Thursday).
    private static long MondayOf(long day) => day - ((((day + 3) % 7) + 7) % 7);

    // ISO day of week of a day since 1970, Monday = 1.
    private static int IsoDayOf(long day) => (int)((((day + 3) % 7) + 7) % 7) + 1;

    private static long DayOfHour(long hour) => (hour - (((hour % 24) + 24) % 24)) / 24;

    private static List<WeeklyFigures> Weekly(AnalyticsStore? store, long fromMs, long toMs, SlaOptions sla, Dictionary<(long Monday, string Analyst), int> actions)
    {
        if (store is null)
        {
            return [];
        }
        long TargetMs(DurationKind kind) => sla.Target(kind) is { } t ? (long)t.TotalMilliseconds : -1;
        var rows = new Dictionary<(long Monday, string Analyst), (int Actions, (int Count, long SumMs, int Breaches)[] Measures)>();
        (int Actions, (int Count, long SumMs, int Breaches)[] Measures) Row(long monday, string analyst) =>
            rows.TryGetValue((monday, analyst), out var row) ? row : (0, new (int, long, int)[3]);
        store.ReadWeeklyDurations(fromMs, toMs, TargetMs(DurationKind.Respond), TargetMs(DurationKind.Review), TargetMs(DurationKind.Close),
            (day, analyst, kind, count, sumMs, breaches) =>
            {
                var monday = MondayOf(day);
                var row = Row(monday, analyst);
                var (c, sum, b) = row.Measures[(int)kind];
                row.Measures[(int)kind] = (c + count, sum + sumMs, b + breaches);
                rows[(monday, analyst)] = row;
            });
        foreach (var (key, count) in actions)
        {
            rows[key] = Row(key.Monday, key.Analyst) with { Actions = count };
        }
        return [.. rows.OrderBy(r => r.Key.Monday).ThenBy(r => r.Key.Analyst, StringComparer.Ordinal).Select(r =>
        {
            var monday = DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)r.Key.Monday);
            var date = monday.ToDateTime(TimeOnly.MinValue);
            var week = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{System.Globalization.ISOWeek.GetYear(date)}-W{System.Globalization.ISOWeek.GetWeekOfYear(date):00}");
            var m = r.Value.Measures;
            double? Mean(DurationKind k) => m[(int)k].Count == 0 ? null : m[(int)k].SumMs / 1000.0 / m[(int)k].Count;
            int? Breaches(DurationKind k) => sla.Target(k) is null ? null : m[(int)k].Breaches;
            return new WeeklyFigures(week, monday.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), r.Key.Analyst, r.Value.Actions,
                m[0].Count, Mean(DurationKind.Respond), Breaches(DurationKind.Respond),
                m[1].Count, Mean(DurationKind.Review), Breaches(DurationKind.Review),
                m[2].Count, Mean(DurationKind.Close), Breaches(DurationKind.Close));
        })];
    }

    private static ReopenSummary Reopens(AnalyticsStore? store, long fromMs, long toMs, IReadOnlyCollection<string> finals, Dictionary<string, int> closes)
    {
        var reopens = store?.Reopens(fromMs, toMs, finals) ?? [];
        var charged = reopens.Where(r => r.ChargedTo is not null).GroupBy(r => r.ChargedTo!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var analysts = closes.Keys.Union(charged.Keys).Order(StringComparer.Ordinal)
            .Select(a => new ReopenFigures(a, closes.GetValueOrDefault(a), charged.GetValueOrDefault(a), Rate(charged.GetValueOrDefault(a), closes.GetValueOrDefault(a))))
            .ToList();
        var (totalCloses, totalReopens) = (closes.Values.Sum(), reopens.Count);
        return new ReopenSummary(totalCloses, totalReopens, reopens.Count(r => r.ChargedTo is null), Rate(totalReopens, totalCloses), analysts);
    }

    private static double? Rate(int part, int of) => of == 0 ? null : (double)part / of;

    private static DetectionToCloseSummary DetectionToClose(AnalyticsStore? store, long fromMs, long toMs, IReadOnlyCollection<string> finals)
    {
        // One length per event closed in the period (8 bytes each), for exact percentiles.
        var lengths = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        store?.ReadDetectionToClose(fromMs, toMs, finals, (analyst, ms) =>
        {
            if (!lengths.TryGetValue(analyst, out var list))
            {
                lengths[analyst] = list = [];
            }
            list.Add(ms / 1000.0);
        });
        var all = DurationStats.Of(lengths.Values.SelectMany(l => l));
        return new DetectionToCloseSummary(all, [.. lengths.OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => new AnalystStats(l.Key, DurationStats.OfSortedInPlace(l.Value)))]);
    }

    /// <summary>Whether a length in seconds (as the report holds them, ms / 1000) is longer than the target: compared in whole ms.</summary>
    public static bool Breached(double seconds, TimeSpan target) => (long)Math.Round(seconds * 1000) > (long)target.TotalMilliseconds;

    private static (List<SlaFigures> PerAnalyst, List<SlaFigures> Totals) Sla(SlaOptions targets, PeriodTotals period)
    {
        // One list of (analyst, lengths) per target: the measures' durations, then the stays per configured stage.
        var measured = new List<(string Measure, TimeSpan Target, IEnumerable<(string Analyst, List<double> Lengths)> Lengths)>();
        foreach (var kind in Enum.GetValues<DurationKind>())
        {
            if (targets.Target(kind) is { } target)
            {
                measured.Add((kind.ToString().ToLowerInvariant(), target,
                    period.Lengths.Where(l => l.Key.Kind == kind).Select(l => (l.Key.Analyst, l.Value))));
            }
        }
        if (period.StageStays.Count > 0)
        {
            foreach (var (stage, target) in (targets.Stages ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                measured.Add(("stage " + stage, target, period.StageStays
                    .Where(s => string.Equals(s.Key.Stage, stage, StringComparison.OrdinalIgnoreCase)).Select(s => (s.Key.Analyst, s.Value))));
            }
        }
        var perAnalyst = new List<SlaFigures>();
        var totals = new List<SlaFigures>();
        foreach (var (measure, target, lengths) in measured)
        {
            var rows = lengths.GroupBy(l => l.Analyst, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Figures(g.Key, measure, target, g.Sum(x => x.Lengths.Count), g.Sum(x => x.Lengths.Count(s => Breached(s, target)))))
                .ToList();
            perAnalyst.AddRange(rows);
            totals.Add(Figures(null, measure, target, rows.Sum(r => r.Count), rows.Sum(r => r.Breaches)));
        }
        return (perAnalyst, totals);
    }

    private static SlaFigures Figures(string? analyst, string measure, TimeSpan target, int count, int breaches) =>
        new(analyst, measure, target.TotalSeconds, count, breaches, count == 0 ? null : (double)breaches / count);

    private static OpenBacklog EmptyBacklog(DateTimeOffset at) => new(at, 0, 0, 0, AnalyticsStore.BandList([]), [], []);
}
