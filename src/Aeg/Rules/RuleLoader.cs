using System.Globalization;
using System.Text.RegularExpressions;
using Aeg.Configuration;

namespace Aeg.Rules;

/// <summary>
/// Loads rules from one YAML file or every <c>*.yaml</c>/<c>*.yml</c> file of a directory (in
/// name order) and compiles them; every problem is reported with its file, key path and reason.
/// </summary>
public static class RuleLoader
{
    /// <summary>
    /// Loads and compiles the rules at <paramref name="path"/>. <paramref name="targetKinds"/> maps
    /// each ticket system name of the config to its kind (rt, jira, extrahop, webhook); when null,
    /// targets are not checked. <paramref name="extensionKeys"/> are keys beyond the CEF dictionary that
    /// conditions and templates may read (<c>rules.extensionKeys</c>). Throws <see cref="ConfigException"/> for the first bad file.
    /// </summary>
    public static IReadOnlyList<Rule> Load(string path, IReadOnlyDictionary<string, string>? targetKinds = null,
        IReadOnlyCollection<string>? extensionKeys = null)
    {
        string[] files;
        if (Directory.Exists(path))
        {
            files = [.. Directory.EnumerateFiles(path)
                .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)];
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new ConfigException(path, "(file)", "no such rules file or directory");
        }

        var rules = new List<Rule>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var model = YamlFile.Load<RuleFileModel>(file);
            var problems = new List<ConfigProblem>();
            var compiled = Compile(model, file, targetKinds, problems, extensionKeys);
            foreach (var (rule, index) in compiled)
            {
                if (names.TryGetValue(rule.Name, out var other))
                {
                    problems.Add(new ConfigProblem($"rules[{index}].name", $"'{rule.Name}' is already the name of a rule in {other}"));
                    continue;
                }
                names[rule.Name] = file;
            }
            if (problems.Count > 0)
            {
                throw new ConfigException(file, problems);
            }
            rules.AddRange(compiled.Select(c => c.Rule));
        }
        return rules;
    }

    /// <summary>Compiles the rules of one parsed file; problems are added with key paths such as <c>rules[0].when[1].regex</c>.</summary>
    public static List<(Rule Rule, int Index)> Compile(RuleFileModel model, string file,
        IReadOnlyDictionary<string, string>? targetKinds, List<ConfigProblem> problems, IReadOnlyCollection<string>? extensionKeys = null)
    {
        var result = new List<(Rule, int)>();
        if (model.Rules is null || model.Rules.Count == 0)
        {
            problems.Add(new ConfigProblem("rules", "the file defines no rules (expected 'rules:' with a list)"));
            return result;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < model.Rules.Count; i++)
        {
            var before = problems.Count;
            var key = $"rules[{i}]";
            var m = model.Rules[i];
            if (m is null)
            {
                problems.Add(new ConfigProblem(key, "empty rule"));
                continue;
            }
            var keys = new RuleActionCompiler.KeyCheck(m.Name ?? "", extensionKeys, problems);
            if (string.IsNullOrWhiteSpace(m.Name))
            {
                problems.Add(new ConfigProblem(key + ".name", "must not be empty"));
            }
            else if (!seen.Add(m.Name))
            {
                problems.Add(new ConfigProblem(key + ".name", $"'{m.Name}' names two rules in this file"));
            }

            var conditions = new List<RuleCondition>();
            if (m.When is null || m.When.Count == 0)
            {
                problems.Add(new ConfigProblem(key + ".when", "needs at least one condition (a rule matching every event is surely a mistake)"));
            }
            else
            {
                for (var c = 0; c < m.When.Count; c++)
                {
                    if (RuleConditionCompiler.CompileCondition(m.When[c], $"{key}.when[{c}]", $"when[{c}]", problems) is { } condition &&
                        keys.Field(condition.Field, $"{key}.when[{c}].field"))
                    {
                        conditions.Add(condition);
                    }
                }
            }

            TicketTemplate? dedupe = null;
            if (string.IsNullOrWhiteSpace(m.Dedupe))
            {
                problems.Add(new ConfigProblem(key + ".dedupe", "must not be empty: it decides which events share a ticket (e.g. \"{{cn2}}\")"));
            }
            else if (TicketTemplate.Parse(m.Dedupe, out var reason) is not { } t)
            {
                problems.Add(new ConfigProblem(key + ".dedupe", reason!));
            }
            else if (!t.Variables.Any())
            {
                problems.Add(new ConfigProblem(key + ".dedupe", "has no {{variable}}: every event would share one ticket"));
            }
            else if (t.TicketLinks.Any())
            {
                problems.Add(new ConfigProblem(key + ".dedupe", "must not read {{ticket.…}}: the key decides which ticket the event belongs to, so it cannot depend on one"));
            }
            else if (t.ReadsEsm)
            {
                problems.Add(new ConfigProblem(key + ".dedupe", "must not read {{esm.…}}: the key is computed when the event arrives, before the ESM event is fetched (use {{eventId}})"));
            }
            else if (keys.Template(t, key + ".dedupe"))
            {
                dedupe = t;
                // A dedupe key with a gap would join unrelated events on one ticket, so the
                // rule only matches when every variable without a default has a value.
                foreach (var (field, fallback) in t.Variables.DistinctBy(v => (v.Field.Kind, v.Field.Name)))
                {
                    if (fallback is null && field.Kind != FieldKind.Raw)
                    {
                        conditions.Add(new RuleCondition(field, ConditionOperator.Exists, [], null, 0, expectExists: true,
                            ignoreCase: false, $"dedupe: {{{{{field}}}}} exists"));
                    }
                }
            }

            var actions = new List<RuleAction>();
            if (m.Actions is null || m.Actions.Count == 0)
            {
                problems.Add(new ConfigProblem(key + ".actions", "needs at least one action"));
            }
            else
            {
                for (var a = 0; a < m.Actions.Count; a++)
                {
                    if (RuleActionCompiler.CompileAction(m.Actions[a], $"{key}.actions[{a}]", targetKinds, keys, problems, m.Dedupe) is { } action)
                    {
                        TicketLinkCheck.Action(action, $"{key}.actions[{a}]", [.. m.Actions.Take(a).Select(e => e?.Target).OfType<string>()], targetKinds, problems);
                        actions.Add(action);
                    }
                }
            }

            var enrichment = CompileEnrichment(m, key, actions, problems);
            if (m.Reopen && targetKinds is not null)
            {
                foreach (var action in actions.Where(a => targetKinds.TryGetValue(a.Target, out var k) && k is not ("rt" or "jira")))
                {
                    problems.Add(new ConfigProblem(key + ".reopen", $"only Request Tracker and Jira tickets can be reopened; target '{action.Target}' is {targetKinds[action.Target]}"));
                }
            }
            if (problems.Count == before)
            {
                result.Add((new Rule(m.Name!, file, [.. conditions], dedupe!, [.. actions], enrichment, m.Reopen), i));
            }
        }
        return result;
    }

    private static RuleEnrichment? CompileEnrichment(RuleModel m, string key, List<RuleAction> actions, List<ConfigProblem> problems)
    {
        var readsEsm = actions.SelectMany(a => (a.Create ?? []).Concat(a.Update ?? [])).Any(f => f.Value.ReadsEsm);
        if (m.Enrich is null)
        {
            if (readsEsm)
            {
                problems.Add(new ConfigProblem(key + ".enrich", "templates read {{esm.…}}: add 'enrich: esm' so the ticket worker fetches the ESM event"));
            }
            if (m.EventIdFields is not null)
            {
                problems.Add(new ConfigProblem(key + ".eventIdFields", "only applies with 'enrich: esm'"));
            }
            return null;
        }
        if (m.Enrich != "esm")
        {
            problems.Add(new ConfigProblem(key + ".enrich", $"'{m.Enrich}' is not a source; the only one is 'esm' (the ESM Service Layer, config section esm:)"));
            return null;
        }
        var fields = new List<FieldRef>();
        var names = m.EventIdFields ?? [.. RuleEnrichment.DefaultEventIdFields];
        if (names.Count == 0)
        {
            problems.Add(new ConfigProblem(key + ".eventIdFields", "needs at least one CEF key (default: eventId, externalId)"));
        }
        for (var f = 0; f < names.Count; f++)
        {
            if (FieldRef.ParseField(names[f] ?? "", allowRaw: false, out var reason) is { } field)
            {
                fields.Add(field);
            }
            else
            {
                problems.Add(new ConfigProblem($"{key}.eventIdFields[{f}]", reason!));
            }
        }
        return new RuleEnrichment(fields);
    }

}
