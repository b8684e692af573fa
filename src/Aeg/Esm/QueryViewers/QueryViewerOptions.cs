using Aeg.Configuration;

namespace Aeg.Esm.QueryViewers;

/// <summary>One entry of <c>esm.queryViewers:</c>: a query viewer polled as a source of events for the rules.</summary>
public sealed class QueryViewerOptions
{
    /// <summary>The query viewer's resource id.</summary>
    public string? Id { get; set; }

    /// <summary>The column holding each row's unique id (e.g. the event id).</summary>
    public string? IdColumn { get; set; }

    /// <summary>The column holding each row's time (epoch milliseconds or an ISO 8601 / ESM date); rows are taken in (time, id) order.</summary>
    public string? TimeColumn { get; set; }

    /// <summary>Time between two polls.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows handed to the ticket outbox per transaction; the cursor moves after each batch.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Every problem of the entry under <paramref name="key"/>.</summary>
    public IEnumerable<ConfigProblem> Validate(string key, bool esmConfigured)
    {
        if (!esmConfigured)
        {
            yield return new ConfigProblem(key, "needs the ESM Service Layer: set esm.url, esm.user and the password");
        }
        if (string.IsNullOrWhiteSpace(Id))
        {
            yield return new ConfigProblem($"{key}.id", "must be the query viewer's resource id");
        }
        if (string.IsNullOrWhiteSpace(IdColumn))
        {
            yield return new ConfigProblem($"{key}.idColumn", "must name the column with each row's unique id (e.g. \"Event ID\")");
        }
        if (string.IsNullOrWhiteSpace(TimeColumn))
        {
            yield return new ConfigProblem($"{key}.timeColumn", "must name the column with each row's time (e.g. \"End Time\")");
        }
        if (PollInterval < TimeSpan.FromSeconds(1) || PollInterval > TimeSpan.FromDays(1))
        {
            yield return new ConfigProblem($"{key}.pollInterval", "must be 1s–1d");
        }
        if (BatchSize is < 1 or > 100_000)
        {
            yield return new ConfigProblem($"{key}.batchSize", "must be 1–100000");
        }
    }
}
