using Aeg.Configuration;
using Aeg.Tickets;

namespace Aeg.Rules;

/// <summary>
/// Compiles an <c>esmCase</c> action (group, name, eventId, fields) into ticket work for the reserved
/// <see cref="EsmCaseWork.TargetName"/> target under the rule's dedupe key: the first event of a key creates the case,
/// later ones update its fields.
/// </summary>
internal static class CaseActionCompiler
{
    // Attributes the action sets itself, or ESM does: writing them through fields would fight the action.
    private static readonly string[] Reserved = ["name", "resourceid", "eventIDs", "parentId", "stage"];

    public static RuleAction? Compile(ActionModel m, string key, Func<TicketTemplate, string, bool> knownKeys, List<ConfigProblem> problems)
    {
        var before = problems.Count;
        var model = m.EsmCase!;
        key += ".esmCase";
        if (m.Target is not null || m.Create is not null || m.Update is not null || m.EsmActiveList is not null)
        {
            problems.Add(new ConfigProblem(key, "an esmCase action has no target, create, update or esmActiveList (group, name and fields say everything)"));
        }
        if (string.IsNullOrWhiteSpace(model.Group) || model.Group.Contains("{{", StringComparison.Ordinal) || model.Group.Trim() != model.Group)
        {
            problems.Add(new ConfigProblem(key + ".group", "must be the parent group's URI (e.g. /All Cases/Aeg) or resource id, without templates"));
        }
        else if (EsmResourceUri.IsUri(model.Group) && EsmResourceUri.GroupProblem(model.Group) is { } uriProblem)
        {
            problems.Add(new ConfigProblem(key + ".group", uriProblem));
        }
        var fields = new List<KeyValuePair<string, TicketTemplate>>();
        if (string.IsNullOrWhiteSpace(model.Name))
        {
            problems.Add(new ConfigProblem(key + ".name", "needs the case's name (e.g. \"{{name}} on {{dhost}}\"): with the group it finds the case again after a crash"));
        }
        else
        {
            Add(EsmCaseWork.NameField, model.Name, key + ".name", links: false);
        }
        if (model.EventId is { } eventId)
        {
            Add(EsmCaseWork.EventIdField, eventId, key + ".eventId", links: false);
        }
        foreach (var (name, text) in (model.Fields ?? []).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(name) || Reserved.Contains(name, StringComparer.Ordinal))
            {
                problems.Add(new ConfigProblem($"{key}.fields.{name}", $"cannot be set here ({string.Join(", ", Reserved)} are the action's or ESM's)"));
                continue;
            }
            Add(EsmCaseWork.FieldPrefix + name, text ?? "", $"{key}.fields.{name}", links: true);
        }
        if (problems.Count != before)
        {
            return null;
        }
        List<KeyValuePair<string, TicketTemplate>> all = [new(EsmCaseWork.GroupField, TicketTemplate.Parse(model.Group!, out _)!), .. fields];
        return new RuleAction(EsmCaseWork.TargetName, all, all);

        void Add(string field, string text, string at, bool links)
        {
            if (TicketTemplate.Parse(text, out var reason) is not { } template)
            {
                problems.Add(new ConfigProblem(at, reason!));
            }
            else if (!links && template.TicketLinks.Any())
            {
                problems.Add(new ConfigProblem(at, "{{ticket.…}} cannot be used here (only in fields): the name and event id must be known when the job is made"));
            }
            else if (knownKeys(template, at))
            {
                fields.Add(new(field, template));
            }
        }
    }
}
