using Aeg.Configuration;

namespace Aeg.Analytics;

/// <summary>
/// <c>analytics.sla:</c> targets per measure (time to respond, review, close) and per stage (time
/// in a stage); a duration longer than its target is a breach (docs/metrics.md).
/// </summary>
public sealed class SlaOptions
{
    /// <summary>Target time to respond; null: none.</summary>
    public TimeSpan? Respond { get; set; }

    /// <summary>Target time to review; null: none.</summary>
    public TimeSpan? Review { get; set; }

    /// <summary>Target time to close; null: none.</summary>
    public TimeSpan? Close { get; set; }

    /// <summary>Target time in a stage, by stage name (case-insensitive).</summary>
    public Dictionary<string, TimeSpan>? Stages { get; set; } = [];

    /// <summary>Whether any target is set.</summary>
    public bool Any => Respond is not null || Review is not null || Close is not null || Stages is { Count: > 0 };

    /// <summary>The target of a measure, or null.</summary>
    public TimeSpan? Target(DurationKind kind) => kind switch
    {
        DurationKind.Respond => Respond,
        DurationKind.Review => Review,
        DurationKind.Close => Close,
        _ => null,
    };

    /// <summary>The target time in <paramref name="stage"/>, or null.</summary>
    public TimeSpan? StageTarget(string stage) =>
        Stages?.FirstOrDefault(kv => string.Equals(kv.Key, stage, StringComparison.OrdinalIgnoreCase)) is { Key: not null } kv ? kv.Value : null;

    /// <summary>Every problem of this section, keys prefixed with <paramref name="keyPrefix"/> (e.g. <c>analytics.sla</c>).</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix, IReadOnlyCollection<string> finalStages)
    {
        foreach (var (key, value) in new[] { ("respond", Respond), ("review", Review), ("close", Close) })
        {
            if (value is { } t && t <= TimeSpan.Zero)
            {
                yield return new ConfigProblem($"{keyPrefix}.{key}", "must be longer than 0 (e.g. 15m, 8h), or absent for no target");
            }
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (stage, target) in Stages ?? [])
        {
            if (string.IsNullOrWhiteSpace(stage))
            {
                yield return new ConfigProblem($"{keyPrefix}.stages", "a stage name must not be empty");
                continue;
            }
            if (!seen.Add(stage))
            {
                yield return new ConfigProblem($"{keyPrefix}.stages.{stage}", "is named twice (stage names are case-insensitive)");
            }
            if (target <= TimeSpan.Zero)
            {
                yield return new ConfigProblem($"{keyPrefix}.stages.{stage}", "must be longer than 0 (e.g. 30m)");
            }
            if (finalStages.Contains(stage, StringComparer.OrdinalIgnoreCase))
            {
                yield return new ConfigProblem($"{keyPrefix}.stages.{stage}", "is a final stage: an event stays there until re-opened, so a target on it measures nothing useful");
            }
        }
    }
}
