using Aeg.Analytics;

namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>
/// Runs a scenario's polls through the real deriver and the real SQLite history, one batch per
/// poll as the recorder does at the head of the table, and reads back what was stored.
/// </summary>
public sealed class ScenarioRun : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-ground-truth-").FullName;

    public ScenarioRun(Scenario scenario)
    {
        Store = new AnalyticsStore(Path.Combine(_dir, "analytics.db"));
        var deriver = new TransitionDeriver(Scenario.Options());
        foreach (var batch in scenario.Rows().Where(b => b.Count > 0))
        {
            Store.Apply(batch, deriver);
        }
    }

    public AnalyticsStore Store { get; }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Time in each stage over the whole history as "stage analyst ms", sorted.</summary>
    public List<string> StageStays() => [.. Store.ReadPeriod(long.MinValue + 1, long.MaxValue, stageStays: true).StageStays
        .SelectMany(kv => kv.Value.Select(seconds => $"{kv.Key.Stage} {kv.Key.Analyst} {(long)Math.Round(seconds * 1000)}"))
        .Order(StringComparer.Ordinal)];

    /// <summary>One line per duration (event, measure, analyst, start, end, length in ms, obtained), sorted: a diff shows each disagreement.</summary>
    public static List<string> Lines(IEnumerable<AnalystDuration> durations) => [.. durations
        .Select(d => $"event {d.EventId} {d.Kind} {d.Analyst} {d.StartMs}→{d.EndMs} = {d.EndMs - d.StartMs} ms {d.Source}")
        .Order(StringComparer.Ordinal)];

    /// <summary>Asserts the stored durations are exactly the expected ones, naming the missing and the unexpected.</summary>
    public void AssertDurations(IEnumerable<AnalystDuration> expected)
    {
        var want = Lines(expected);
        var got = Lines(Store.Durations());
        var missing = want.Except(got).ToList();
        var unexpected = got.Except(want).ToList();
        Assert.True(missing.Count == 0 && unexpected.Count == 0,
            $"missing ({missing.Count}):\n  {string.Join("\n  ", missing)}\nunexpected ({unexpected.Count}):\n  {string.Join("\n  ", unexpected)}");
        Assert.Equal(want, got);
    }
}
