using System.Text.RegularExpressions;

namespace Aeg.Tickets;

/// <summary>
/// The <c>{{ticket.&lt;target&gt;.id}}</c> and <c>{{ticket.&lt;target&gt;.url}}</c> marks a rule leaves in a later action's fields:
/// filled in by the ticket worker just before sending, from the ticket the earlier action made for the same key.
/// </summary>
/// <remarks>
/// The marks stay in the job as rendered (outbox, dead letters, <c>aeg rules test</c>) so a retried job links to the
/// ticket as it is then. Event text that happens to contain such a mark is filled in too; it can only ever show the
/// key's own ticket reference.
/// </remarks>
public static partial class TicketLinks
{
    /// <summary>The targets whose tickets <paramref name="work"/>'s fields link to; empty for most work.</summary>
    public static IReadOnlyList<string> Targets(TicketWork work)
    {
        List<string>? targets = null;
        foreach (var value in Values(work))
        {
            if (!value.Contains("{{ticket.", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (Match m in Mark().Matches(value))
            {
                targets ??= [];
                if (!targets.Contains(m.Groups[1].Value))
                {
                    targets.Add(m.Groups[1].Value);
                }
            }
        }
        return targets ?? (IReadOnlyList<string>)[];
    }

    /// <summary>The linked tickets of a job: all of them, or the first target still pending, or the first that made none.</summary>
    public readonly record struct Lookup(IReadOnlyDictionary<string, (string Id, string? Url)>? Tickets, string? Pending, string? Missing);

    /// <summary>Looks up the tickets <paramref name="linked"/> targets made for the job's key; throws the store's errors.</summary>
    public static Lookup Find(TicketOutbox outbox, IReadOnlyDictionary<string, ITicketAction> actions, long jobId, TicketWork work, IReadOnlyList<string> linked)
    {
        var tickets = new Dictionary<string, (string Id, string? Url)>(StringComparer.Ordinal);
        foreach (var target in linked)
        {
            // Pending is asked between two looks at the store: a job finishing in between is then seen either way.
            var record = outbox.Store.Find(target, work.DedupeKey);
            if (record is null && outbox.HasPendingBefore(target, work.DedupeKey, jobId))
            {
                return new Lookup(null, target, null);
            }
            record ??= outbox.Store.Find(target, work.DedupeKey);
            if (record is null)
            {
                return new Lookup(null, null, target);
            }
            tickets[target] = (record.TicketRef, actions.TryGetValue(target, out var source) ? source.TicketUrl(record.TicketRef) : null);
        }
        return new Lookup(tickets, null, null);
    }

    /// <summary><paramref name="work"/> with every mark replaced by the linked ticket's id or URL (URL: empty when the system has none).</summary>
    public static TicketWork Fill(TicketWork work, IReadOnlyDictionary<string, (string Id, string? Url)> tickets) => work with
    {
        OnCreate = Fill(work.OnCreate, tickets),
        OnUpdate = Fill(work.OnUpdate, tickets),
    };

    private static Dictionary<string, string>? Fill(IReadOnlyDictionary<string, string>? fields, IReadOnlyDictionary<string, (string Id, string? Url)> tickets) =>
        fields?.ToDictionary(f => f.Key, f => !f.Value.Contains("{{ticket.", StringComparison.Ordinal) ? f.Value
            : Mark().Replace(f.Value, m => tickets.TryGetValue(m.Groups[1].Value, out var t)
                ? (m.Groups[2].Value == "url" ? t.Url ?? "" : t.Id)
                : m.Value), StringComparer.Ordinal);

    private static IEnumerable<string> Values(TicketWork work) =>
        (work.OnCreate?.Values ?? Enumerable.Empty<string>()).Concat(work.OnUpdate?.Values ?? Enumerable.Empty<string>());

    [GeneratedRegex(@"\{\{ticket\.([^.{}|\s]{1,128})\.(id|url)\}\}")]
    private static partial Regex Mark();
}
