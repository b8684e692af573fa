using Aeg.Configuration;

namespace Aeg.Esm.Cases;

/// <summary>The <c>esm.cases:</c> section: poll ESM cases changed since a cursor and turn each into a ticket by rule; optionally write the ticket back into the case.</summary>
public sealed class EsmCaseOptions
{
    /// <summary>Poll cases at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>Time between two polls (a poll lists every case id, then reads the cases).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The rules (by name, from <c>rules.path</c>) a changed case is rendered with; the first whose conditions match is used.</summary>
    public List<string> Rules { get; set; } = [];

    /// <summary>Cases handed to the ticket outbox per transaction; the cursor moves after each batch.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Cases modified up to this long before the cursor are read again (same-millisecond and late modifications); an unchanged case is not queued twice.</summary>
    public TimeSpan LookBack { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Write the ticket reference (and status) back into the case.</summary>
    public bool WriteBack { get; set; }

    /// <summary>The case field that gets the ticket reference (ESM's <c>externalID</c> by default).</summary>
    public string ReferenceField { get; set; } = "externalID";

    /// <summary>What is written into <see cref="ReferenceField"/>: <c>{target}</c> and <c>{ticket}</c> are replaced.</summary>
    public string Reference { get; set; } = "{target} #{ticket}";

    /// <summary>The case field that gets the ticket's URL; empty: none is written.</summary>
    public string? UrlField { get; set; }

    /// <summary>The ticket's URL, with <c>{target}</c> and <c>{ticket}</c> replaced (e.g. <c>https://rt.example.com/Ticket/Display.html?id={ticket}</c>).</summary>
    public string? Url { get; set; }

    /// <summary>The stage a case is moved to when its ticket is resolved or closed; empty: the stage is never changed.</summary>
    public string? CloseStage { get; set; } = "CLOSED";

    /// <summary>Ticket statuses that count as resolved (compared without case).</summary>
    public List<string> ResolvedStatuses { get; set; } = ["resolved", "closed", "rejected", "done"];

    /// <summary>The case field naming the owner a case's durations are credited to in the analyst metrics (docs/metrics.md); <c>creatorName</c> by default.</summary>
    public string OwnerField { get; set; } = "creatorName";

    /// <summary>Every problem of the section under <paramref name="key"/>; <paramref name="esmConfigured"/>: <c>esm.url</c> is set.</summary>
    public IEnumerable<ConfigProblem> Validate(string key, bool esmConfigured)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (!esmConfigured)
        {
            yield return new ConfigProblem($"{key}.enabled", "needs the ESM Service Layer: set esm.url, esm.user and the password");
        }
        if (PollInterval < TimeSpan.FromMilliseconds(100) || PollInterval > TimeSpan.FromDays(1))
        {
            yield return new ConfigProblem($"{key}.pollInterval", "must be 100ms–1d");
        }
        if (Rules is null || Rules.Count == 0 || Rules.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ConfigProblem($"{key}.rules", "must name at least one rule of rules.path (a case is rendered with the first that matches)");
        }
        if (BatchSize is < 1 or > 10_000)
        {
            yield return new ConfigProblem($"{key}.batchSize", "must be 1–10000");
        }
        if (LookBack < TimeSpan.Zero || LookBack > TimeSpan.FromDays(1))
        {
            yield return new ConfigProblem($"{key}.lookBack", "must be 0–1d");
        }
        if (string.IsNullOrWhiteSpace(OwnerField))
        {
            yield return new ConfigProblem($"{key}.ownerField", "must name the case field of the owner (e.g. creatorName)");
        }
        if (!WriteBack)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(ReferenceField))
        {
            yield return new ConfigProblem($"{key}.referenceField", "must name the case field that gets the ticket reference (e.g. externalID)");
        }
        if (string.IsNullOrEmpty(Reference) || !Reference.Contains("{ticket}", StringComparison.Ordinal))
        {
            yield return new ConfigProblem($"{key}.reference", "must contain {ticket}");
        }
        if (UrlField is { Length: > 0 } && Url is not { Length: > 0 })
        {
            yield return new ConfigProblem($"{key}.url", "is required when urlField is set");
        }
        if (Url is { Length: > 0 } url && (!url.Contains("{ticket}", StringComparison.Ordinal) || !Uri.TryCreate(url.Replace("{ticket}", "1", StringComparison.Ordinal).Replace("{target}", "t", StringComparison.Ordinal), UriKind.Absolute, out _)))
        {
            yield return new ConfigProblem($"{key}.url", "must be an absolute address containing {ticket}");
        }
        if (ResolvedStatuses is null)
        {
            yield return new ConfigProblem($"{key}.resolvedStatuses", "must be a list (may be empty)");
        }
    }
}
