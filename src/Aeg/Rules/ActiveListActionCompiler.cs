using Aeg.Configuration;
using Aeg.Tickets;

namespace Aeg.Rules;

/// <summary>
/// Compiles an <c>esmActiveList</c> action (list, op, entry) into ticket work for the reserved
/// <see cref="ActiveListWork.TargetName"/> target, keyed by list and entry.
/// </summary>
internal static class ActiveListActionCompiler
{
    public static RuleAction? Compile(ActionModel m, string key, string? ruleDedupe, Func<TicketTemplate, string, bool> knownKeys, List<ConfigProblem> problems)
    {
        var before = problems.Count;
        var model = m.EsmActiveList!;
        key += ".esmActiveList";
        if (m.Target is not null || m.Create is not null || m.Update is not null)
        {
            problems.Add(new ConfigProblem(key, "an esmActiveList action has no target, create or update (the list, op and entry say everything)"));
        }
        if (string.IsNullOrWhiteSpace(model.List) || model.List.Contains("{{", StringComparison.Ordinal) || model.List.Trim() != model.List)
        {
            problems.Add(new ConfigProblem(key + ".list", "must be the active list's resource id (e.g. HXyz6sGUBABCp7Y3dBjvLxA==) or its URI (e.g. /All Active Lists/Containment/Hosts to isolate), without templates"));
        }
        else if (EsmResourceUri.IsUri(model.List) && EsmResourceUri.Problem(model.List) is { } uriProblem)
        {
            problems.Add(new ConfigProblem(key + ".list", uriProblem));
        }
        if (model.Op is not ("add" or "delete"))
        {
            problems.Add(new ConfigProblem(key + ".op", $"must be add or delete{(model.Op is null ? "" : $", not '{model.Op}'")}"));
        }
        if (model.Entry is null || model.Entry.Count == 0)
        {
            problems.Add(new ConfigProblem(key + ".entry", "needs at least one column (e.g. { Host: \"{{shost}}\" })"));
        }
        var fields = new List<KeyValuePair<string, TicketTemplate>>();
        foreach (var (column, text) in (model.Entry ?? []).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var at = $"{key}.entry.{column}";
            if (string.IsNullOrWhiteSpace(column))
            {
                problems.Add(new ConfigProblem(at, "a column needs a name"));
            }
            else if (TicketTemplate.Parse(text ?? "", out var reason) is not { } template)
            {
                problems.Add(new ConfigProblem(at, reason!));
            }
            else if (template.TicketLinks.Any())
            {
                problems.Add(new ConfigProblem(at, "an entry is not a ticket: {{ticket.…}} cannot be used here"));
            }
            else if (knownKeys(template, at))
            {
                fields.Add(new(ActiveListWork.ColumnPrefix + column, template));
            }
        }
        var keyColumns = model.Key ?? [.. (model.Entry ?? []).Keys];
        if (keyColumns.Count == 0 && model.Key is not null)
        {
            problems.Add(new ConfigProblem(key + ".key", "needs at least one column of the entry (leave it out to use them all)"));
        }
        for (var k = 0; k < keyColumns.Count; k++)
        {
            if (model.Entry is not null && !model.Entry.ContainsKey(keyColumns[k] ?? ""))
            {
                problems.Add(new ConfigProblem($"{key}.key[{k}]", $"'{keyColumns[k]}' is not a column of the entry"));
            }
        }
        if (problems.Count != before)
        {
            return null;
        }
        // One outbox key per list and entry identity: an add and a later delete of the same host run in order, one at a time.
        // An identity read from the ESM event (enrich: esm) is known only in the ticket worker: the rule's dedupe key
        // (the ESM event) orders the work instead, so re-image and Closed of one event still run in that order.
        var identity = fields.Where(f => keyColumns.Contains(f.Key[ActiveListWork.ColumnPrefix.Length..])).Select(f => f.Value).ToList();
        var keyText = identity.Any(t => t.ReadsEsm) ? ruleDedupe ?? "" : string.Join("|", identity.Select(t => t.Text));
        var entryKey = TicketTemplate.Parse(model.List + "|" + keyText, out _)!;
        List<KeyValuePair<string, TicketTemplate>> all =
        [
            new(ActiveListWork.ListField, TicketTemplate.Parse(model.List!, out _)!),
            new(ActiveListWork.OpField, TicketTemplate.Parse(model.Op!, out _)!),
            .. fields,
        ];
        return new RuleAction(ActiveListWork.TargetName, all, all, entryKey);
    }
}
