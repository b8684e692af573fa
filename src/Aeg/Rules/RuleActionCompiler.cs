using Aeg.Configuration;

namespace Aeg.Rules;

/// <summary>Compiles a rule's actions (ticket create/update fields, active-list changes) and checks every template variable they use.</summary>
internal static class RuleActionCompiler
{
    public static RuleAction? CompileAction(ActionModel? m, string key, IReadOnlyDictionary<string, string>? targetKinds, KeyCheck keys,
        List<ConfigProblem> problems, string? ruleDedupe = null)
    {
        if (m is null)
        {
            problems.Add(new ConfigProblem(key, "empty action"));
            return null;
        }
        if (m.EsmActiveList is not null)
        {
            return ActiveListActionCompiler.Compile(m, key, ruleDedupe, keys.Template, problems);
        }
        var before = problems.Count;
        string? kind = null;
        if (string.IsNullOrWhiteSpace(m.Target))
        {
            problems.Add(new ConfigProblem(key + ".target", "must name a ticket system of the config's tickets: section"));
        }
        else if (targetKinds is not null && !targetKinds.TryGetValue(m.Target, out kind))
        {
            var known = targetKinds.Count == 0 ? "none are configured" : "known: " + string.Join(", ", targetKinds.Keys.Order());
            problems.Add(new ConfigProblem(key + ".target", $"unknown ticket system '{m.Target}' ({known})"));
        }
        if (m.Create is null && m.Update is null)
        {
            problems.Add(new ConfigProblem(key, "needs 'create' fields, 'update' fields or both"));
        }
        var create = CompileFields(m.Create, key + ".create", kind, keys, problems);
        var update = CompileFields(m.Update, key + ".update", kind, keys, problems);
        return problems.Count == before ? new RuleAction(m.Target!, create, update) : null;
    }

    private static List<KeyValuePair<string, TicketTemplate>>? CompileFields(Dictionary<string, string>? fields, string key, string? kind,
        KeyCheck keys, List<ConfigProblem> problems)
    {
        if (fields is null)
        {
            return null;
        }
        if (fields.Count == 0)
        {
            problems.Add(new ConfigProblem(key, "has no fields (leave the key out instead)"));
        }
        var result = new List<KeyValuePair<string, TicketTemplate>>();
        foreach (var (name, text) in fields)
        {
            if (TicketFieldNames.Check(kind ?? "", name) is { } bad)
            {
                problems.Add(new ConfigProblem($"{key}.{name}", bad));
                continue;
            }
            if (TicketTemplate.Parse(text ?? "", out var reason) is not { } template)
            {
                problems.Add(new ConfigProblem($"{key}.{name}", reason!));
                continue;
            }
            if (!keys.Template(template, $"{key}.{name}"))
            {
                continue;
            }
            result.Add(new(name, template));
        }
        return result;
    }

    /// <summary>Reports fields that name no key an event can carry, naming the rule and the variable.</summary>
    public sealed class KeyCheck(string rule, IReadOnlyCollection<string>? extensionKeys, List<ConfigProblem> problems)
    {
        /// <summary>False (and a problem added) when the condition's field is an unknown extension key.</summary>
        public bool Field(FieldRef field, string key)
        {
            if (field.Kind == FieldKind.Extension && CefKeyDictionary.Check(field.Name, extensionKeys) is { } reason)
            {
                problems.Add(new ConfigProblem(key, $"rule '{rule}': {reason}"));
                return false;
            }
            return true;
        }

        /// <summary>False (and one problem per bad variable) when the template reads an unknown extension key.</summary>
        public bool Template(TicketTemplate template, string key)
        {
            var ok = true;
            foreach (var (field, _) in template.Variables.DistinctBy(v => (v.Field.Kind, v.Field.Name)))
            {
                if (field.Kind == FieldKind.Extension && CefKeyDictionary.Check(field.Name, extensionKeys) is { } reason)
                {
                    problems.Add(new ConfigProblem(key, $"rule '{rule}': {{{{{field.Name}}}}}: {reason}"));
                    ok = false;
                }
            }
            return ok;
        }
    }
}
