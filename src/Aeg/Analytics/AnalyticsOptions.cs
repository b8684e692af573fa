using Aeg.Configuration;

namespace Aeg.Analytics;

/// <summary>The <c>analytics:</c> section: which stages and flags mean responded, reviewed and closed (docs/metrics.md).</summary>
public sealed class AnalyticsOptions
{
    /// <summary>Record analyst metrics from the rows the poller sends.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The default stage of a new event; the first change away from it is the response.</summary>
    public string InitialStage { get; set; } = "Queued";

    /// <summary>Flag bit (0 = least significant) that marks an event reviewed; null when only stages mark it.</summary>
    public int? ReviewedFlagBit { get; set; } = 0;

    /// <summary>Stages that mark an event reviewed (in addition to the flag bit).</summary>
    public List<string> ReviewedStages { get; set; } = [];

    /// <summary>Stages that close an event; entering one ends the time to close.</summary>
    public List<string> FinalStages { get; set; } = ["Final", "Closed"];

    /// <summary>The SQLite history file; empty means <c>&lt;state.directory&gt;/analytics.db</c>.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>
    /// How long durations, transitions and notes are kept (by when they ended or were made); null
    /// keeps the whole history. Histogram totals and each event's last state are never pruned.
    /// </summary>
    public TimeSpan? Retention { get; set; }

    /// <summary>SLA targets per measure and stage (<c>analytics.sla</c>); none by default.</summary>
    public SlaOptions? Sla { get; set; } = new();

    /// <summary>The shortest retention: a day, so a report over yesterday still has its figures.</summary>
    public static readonly TimeSpan MinimumRetention = TimeSpan.FromDays(1);

    /// <summary>Every problem of this section, keys prefixed with <paramref name="keyPrefix"/> (e.g. <c>analytics</c>).</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (string.IsNullOrWhiteSpace(InitialStage))
        {
            yield return new ConfigProblem($"{keyPrefix}.initialStage", "must not be empty");
        }
        if (ReviewedFlagBit is < 0 or > 62)
        {
            yield return new ConfigProblem($"{keyPrefix}.reviewedFlagBit", "must be 0–62 (or null when reviewedStages marks review)");
        }
        var reviewedStages = ReviewedStages ?? [];
        var finalStages = FinalStages ?? [];
        if (ReviewedFlagBit is null && reviewedStages.Count == 0)
        {
            yield return new ConfigProblem($"{keyPrefix}.reviewedFlagBit", "set reviewedFlagBit or reviewedStages: something must mark an event reviewed");
        }
        for (var i = 0; i < reviewedStages.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(reviewedStages[i]))
            {
                yield return new ConfigProblem($"{keyPrefix}.reviewedStages[{i}]", "must not be empty");
            }
        }
        if (finalStages.Count == 0)
        {
            yield return new ConfigProblem($"{keyPrefix}.finalStages", "must name at least one stage");
        }
        for (var i = 0; i < finalStages.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(finalStages[i]))
            {
                yield return new ConfigProblem($"{keyPrefix}.finalStages[{i}]", "must not be empty");
            }
        }
        if (Retention is { } keep && keep < MinimumRetention)
        {
            yield return new ConfigProblem($"{keyPrefix}.retention", $"must be at least 1d (e.g. 400d), or absent to keep the whole history; got {Logging.LogText.Duration(keep)}");
        }
        foreach (var problem in (Sla ?? new SlaOptions()).Validate($"{keyPrefix}.sla", finalStages))
        {
            yield return problem;
        }
        if (finalStages.Contains(InitialStage, StringComparer.OrdinalIgnoreCase))
        {
            yield return new ConfigProblem($"{keyPrefix}.finalStages", $"must not contain the initial stage '{InitialStage}'");
        }
    }

    /// <summary>Makes the database path absolute against the config file's folder.</summary>
    public void ResolvePaths(string baseDir)
    {
        if (DatabasePath is { Length: > 0 } d)
        {
            DatabasePath = Path.GetFullPath(d, baseDir);
        }
    }

    /// <summary>The history database, defaulting to <c>analytics.db</c> in the state directory.</summary>
    public string DatabaseFile(string stateDirectory) =>
        string.IsNullOrEmpty(DatabasePath) ? Path.Combine(stateDirectory, "analytics.db") : DatabasePath;
}
