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
        _ = from;
        var atMs = to.ToUnixTimeMilliseconds();
        var backlog = store?.ReadBacklog(atMs, options.InitialStage, options.FinalStages ?? [], listSize) ?? EmptyBacklog(to);
        var (sla, slaTotals) = Sla(options.Sla ?? new SlaOptions(), period);
        return new ManagementFigures(backlog, sla, slaTotals);
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
