namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>
/// The manager's figures of a scenario (docs/metrics.md), from the full edit list and without
/// Aeg's code: what is recorded is every edit up to the last version a poll read, each at ESM's time.
/// </summary>
public static class ManagementOracle
{
    /// <summary>An open event at a time: its stage then, its age from its MRT, untouched or not, who last changed its stage.</summary>
    public sealed record OpenEvent(long EventId, string Stage, long AgeMs, bool Untouched, string? LastAnalyst);

    // The recorded edits of each event (those up to the last version a poll read), or none when no poll read it.
    private static IEnumerable<(ScenarioEvent Event, List<Edit> Edits)> Recorded(Scenario scenario)
    {
        var seen = scenario.SeenVersions();
        foreach (var e in scenario.Events)
        {
            var lastRead = e.Edits.LastOrDefault(x => seen.Contains((e.EventId, x.Version)))?.Version ?? 0;
            if (lastRead > 0)
            {
                yield return (e, [.. e.Edits.Where(x => x.Version <= lastRead)]);
            }
        }
    }

    /// <summary>Every event open at <paramref name="atMs"/> (MRT before it, not in a final stage then), oldest first.</summary>
    public static List<OpenEvent> OpenAt(Scenario scenario, long atMs)
    {
        var open = new List<OpenEvent>();
        foreach (var (e, edits) in Recorded(scenario))
        {
            if (e.Mrt >= atMs)
            {
                continue;
            }
            var stage = Scenario.Initial;
            string? last = null;
            var touched = false;
            foreach (var edit in edits.Where(x => x.TimeMs < atMs))
            {
                if (edit.Stage != stage)
                {
                    last = edit.Analyst;
                    touched = true;
                }
                stage = edit.Stage;
            }
            if (!Scenario.FinalStages.Contains(stage))
            {
                open.Add(new OpenEvent(e.EventId, stage, atMs - e.Mrt, !touched, last));
            }
        }
        return [.. open.OrderBy(o => -o.AgeMs).ThenBy(o => o.EventId)];
    }
}
