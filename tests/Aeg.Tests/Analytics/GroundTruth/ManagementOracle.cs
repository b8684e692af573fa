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

    private static bool IsFinal(string stage) => Scenario.FinalStages.Contains(stage);

    /// <summary>
    /// Closes per analyst made in [from, to), re-opens made in it charged to the analyst of the
    /// event's last close before each (null: none recorded), and detection to close per event
    /// ("event analyst ms") for events whose last close or re-open in the period is a close.
    /// </summary>
    public static (Dictionary<string, int> Closes, List<string?> ReopensChargedTo, List<string> DetectionToClose) Closing(Scenario scenario, long fromMs, long toMs)
    {
        var closes = new Dictionary<string, int>();
        var charged = new List<string?>();
        var d2c = new List<string>();
        foreach (var (e, edits) in Recorded(scenario))
        {
            var stage = Scenario.Initial;
            string? lastCloser = null;
            (bool IsClose, Edit Edit)? lastInPeriod = null;
            foreach (var edit in edits)
            {
                var inPeriod = edit.TimeMs >= fromMs && edit.TimeMs < toMs;
                var isClose = !IsFinal(stage) && IsFinal(edit.Stage);
                var isReopen = IsFinal(stage) && !IsFinal(edit.Stage);
                if (isReopen && inPeriod)
                {
                    charged.Add(lastCloser);
                    lastInPeriod = (false, edit);
                }
                if (isClose)
                {
                    lastCloser = edit.Analyst;
                    if (inPeriod)
                    {
                        closes[edit.Analyst] = closes.GetValueOrDefault(edit.Analyst) + 1;
                        lastInPeriod = (true, edit);
                    }
                }
                stage = edit.Stage;
            }
            if (lastInPeriod is (true, var close) && close.TimeMs >= e.Mrt)
            {
                d2c.Add($"{e.EventId} {close.Analyst} {close.TimeMs - e.Mrt}");
            }
        }
        return (closes, charged, d2c);
    }

    /// <summary>Every recorded stage change: who made it and when.</summary>
    public static List<(string Analyst, long TimeMs)> Actions(Scenario scenario)
    {
        var actions = new List<(string, long)>();
        foreach (var (_, edits) in Recorded(scenario))
        {
            var stage = Scenario.Initial;
            foreach (var edit in edits)
            {
                if (edit.Stage != stage)
                {
                    actions.Add((edit.Analyst, edit.TimeMs));
                }
                stage = edit.Stage;
            }
        }
        return actions;
    }
}
