using Aeg.Configuration;

namespace Aeg.Rules;

/// <summary>
/// Load-time rules for <c>{{ticket.&lt;target&gt;.id}}</c> and <c>{{ticket.&lt;target&gt;.url}}</c>: a link names the target
/// of an earlier action of the same rule, whose ticket for the same key the ticket worker fills in.
/// </summary>
internal static class TicketLinkCheck
{
    /// <summary>Adds a problem for each bad link in <paramref name="action"/>'s templates; <paramref name="earlierTargets"/> are the targets of the actions before it.</summary>
    public static void Action(RuleAction action, string key, IReadOnlyList<string> earlierTargets, IReadOnlyDictionary<string, string>? targetKinds,
        List<ConfigProblem> problems)
    {
        // An esmCase action's create and update are the same fields, written under esmCase.fields in the rule.
        var fields = action.Target == Tickets.EsmCaseWork.TargetName
            ? (action.Create ?? []).Select(f => (f.Key.StartsWith(Tickets.EsmCaseWork.FieldPrefix, StringComparison.Ordinal)
                ? "esmCase.fields." + f.Key[Tickets.EsmCaseWork.FieldPrefix.Length..]
                : "esmCase." + f.Key, f.Value))
            : (action.Create ?? []).Select(f => ("create." + f.Key, f.Value)).Concat((action.Update ?? []).Select(f => ("update." + f.Key, f.Value)));
        foreach (var (name, template) in fields)
        {
            foreach (var (field, fallback) in template.TicketLinks.DistinctBy(v => (v.Field.Name, v.Default)))
            {
                if (Problem(field, fallback, action.Target, earlierTargets, targetKinds) is { } reason)
                {
                    problems.Add(new ConfigProblem($"{key}.{name}", $"{{{{{field}}}}}: {reason}"));
                }
            }
        }
    }

    private static string? Problem(FieldRef field, string? fallback, string target, IReadOnlyList<string> earlierTargets,
        IReadOnlyDictionary<string, string>? targetKinds)
    {
        var linked = field.LinkedTarget;
        if (fallback is not null)
        {
            return "takes no default: the job waits until that ticket exists, and is a dead letter if the action made none";
        }
        if (linked == target)
        {
            return "is this action's own ticket; a link reads the ticket of an earlier action of the rule";
        }
        if (!earlierTargets.Contains(linked))
        {
            return earlierTargets.Count == 0
                ? $"names no earlier action: links read the ticket an earlier action of the same rule made (this is the first action)"
                : $"names no earlier action of this rule (earlier targets: {string.Join(", ", earlierTargets.Distinct())})";
        }
        if (field.LinksUrl && targetKinds is not null && targetKinds.TryGetValue(linked, out var kind) && kind is not ("rt" or "jira"))
        {
            return $"only Request Tracker and Jira tickets have a URL; target '{linked}' is {kind} (use ticket.{linked}.id)";
        }
        return null;
    }
}
