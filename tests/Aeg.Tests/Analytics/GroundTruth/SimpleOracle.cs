using Aeg.Analytics;

namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>
/// The expected durations of a scenario, from the full list of edits and the definitions in
/// docs/metrics.md, written without Aeg's deriver: it never reads an audit trail, it walks the
/// edits ESM made. Its one model of what a poll cannot see: flags are not in the audit trail, so
/// an edit between two polls shows the flags of the last row read, and the row that ends a gap
/// shows its own (a review first seen there is credited to that row and is inferred).
/// </summary>
/// <remarks>
/// With <c>fullKnowledge</c> every edit shows its real flags: the truth. Every observed or
/// recovered expectation must also be true (see the test), so "exact where the data allows" is
/// checked, not assumed. Cut audit trails are not modelled: the generator never cuts one, the
/// hand-written cases cover them.
/// </remarks>
public static class SimpleOracle
{
    /// <summary>
    /// Time in each stage: for every stage change after the first, the time since the change
    /// before it, per stage left and the analyst who left it, in ms (the generator's audit trails
    /// are never cut, so every change is known; edits after the last row read are not recorded yet).
    /// </summary>
    public static List<string> StageStays(Scenario scenario)
    {
        var seen = scenario.SeenVersions();
        var stays = new List<string>();
        foreach (var e in scenario.Events)
        {
            var lastRead = e.Edits.LastOrDefault(x => seen.Contains((e.EventId, x.Version)))?.Version ?? 0;
            Edit? entered = null;
            var stage = Scenario.Initial;
            foreach (var edit in e.Edits.Where(x => x.Version <= lastRead))
            {
                if (edit.Stage == stage)
                {
                    continue;
                }
                if (entered is not null)
                {
                    stays.Add($"{stage} {edit.Analyst} {edit.TimeMs - entered.TimeMs}");
                }
                entered = edit;
                stage = edit.Stage;
            }
        }
        return [.. stays.Order(StringComparer.Ordinal)];
    }

    public static List<AnalystDuration> Expected(Scenario scenario, bool fullKnowledge = false)
    {
        var seen = scenario.SeenVersions();
        var expected = new List<AnalystDuration>();
        foreach (var e in scenario.Events)
        {
            long lastReadVersion = 0;
            long knownFlags = 0;
            var stage = Scenario.Initial;
            var reviewed = false;
            var responded = false;
            var reviewCounted = false;
            (long Time, DurationSource Source)? since = null;
            // Edits after the last row read are not in the history yet.
            var lastRead = e.Edits.LastOrDefault(x => seen.Contains((e.EventId, x.Version)))?.Version ?? 0;
            foreach (var edit in e.Edits.Where(x => x.Version <= lastRead))
            {
                var wasSeen = seen.Contains((e.EventId, edit.Version));
                var endsGap = wasSeen && edit.Version > lastReadVersion + 1;
                if (wasSeen)
                {
                    lastReadVersion = edit.Version;
                    knownFlags = edit.Flags;
                }
                var flags = fullKnowledge ? edit.Flags : knownFlags;
                var endSource = wasSeen || fullKnowledge ? DurationSource.Observed : DurationSource.Recovered;
                // A review shown first by the row that ends a gap may have been set by any edit in it.
                var reviewSource = endsGap && !fullKnowledge ? DurationSource.Inferred : endSource;

                var wasFinal = Scenario.FinalStages.Contains(stage);
                var wasReviewed = reviewed;
                var isFinal = Scenario.FinalStages.Contains(edit.Stage);
                reviewed = (flags & Scenario.ReviewedBit) != 0;

                // Time to respond: MRT → the first stage change away from Queued.
                if (!responded && edit.Stage != Scenario.Initial)
                {
                    responded = true;
                    expected.Add(new AnalystDuration(e.EventId, DurationKind.Respond, edit.Analyst, e.Mrt, edit.TimeMs, endSource));
                }
                // Time to review: MRT → the first time it is marked reviewed. The clock to close starts there.
                if (reviewed && !wasReviewed)
                {
                    if (!reviewCounted)
                    {
                        reviewCounted = true;
                        expected.Add(new AnalystDuration(e.EventId, DurationKind.Review, edit.Analyst, e.Mrt, edit.TimeMs, reviewSource));
                    }
                    since = (edit.TimeMs, reviewSource);
                }
                // Time to close: from the review (or the re-open while reviewed) → a final stage, at every close.
                if (isFinal && !wasFinal && since is { } start)
                {
                    var source = start.Source == DurationSource.Inferred ? DurationSource.Inferred
                        : start.Source == DurationSource.Recovered || endSource == DurationSource.Recovered ? DurationSource.Recovered
                        : DurationSource.Observed;
                    expected.Add(new AnalystDuration(e.EventId, DurationKind.Close, edit.Analyst, start.Time, edit.TimeMs, source));
                }
                if (!reviewed && wasReviewed)
                {
                    since = null;
                }
                // A re-open while reviewed restarts the clock; the edit's own flags are known after it when it is a row.
                if (!isFinal && wasFinal && reviewed)
                {
                    since = (edit.TimeMs, endSource);
                }
                stage = edit.Stage;
            }
        }
        return expected;
    }
}
