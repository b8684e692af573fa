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
    /// <summary>How long a regex may be; longer is surely a mistake.</summary>
    private const int MaxRegexLength = 4096;

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
            var keys = new KeyCheck(m.Name ?? "", extensionKeys, problems);
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
                    if (CompileCondition(m.When[c], $"{key}.when[{c}]", $"when[{c}]", problems) is { } condition &&
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
                    if (CompileAction(m.Actions[a], $"{key}.actions[{a}]", targetKinds, keys, problems, m.Dedupe) is { } action)
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

    private static RuleCondition? CompileCondition(ConditionModel? m, string key, string where, List<ConfigProblem> problems)
    {
        if (m is null)
        {
            problems.Add(new ConfigProblem(key, "empty condition"));
            return null;
        }
        FieldRef? field = null;
        string? reason;
        if ((m.Field is null) == (m.Label is null))
        {
            problems.Add(new ConfigProblem(key, "needs exactly one of 'field' (a header field or extension key) and 'label' (a csNLabel value)"));
        }
        else if (m.Field is not null)
        {
            field = FieldRef.ParseField(m.Field, allowRaw: false, out reason);
            if (field is null)
            {
                problems.Add(new ConfigProblem(key + ".field", reason!));
            }
        }
        else
        {
            field = FieldRef.ParseLabel(m.Label!, out reason);
            if (field is null)
            {
                problems.Add(new ConfigProblem(key + ".label", reason!));
            }
        }

        var operators = new List<(string Name, ConditionOperator Op)>();
        void Has(bool present, string name, ConditionOperator op)
        {
            if (present)
            {
                operators.Add((name, op));
            }
        }
        Has(m.EqualTo is not null, "equals", ConditionOperator.Equals);
        Has(m.In is not null, "in", ConditionOperator.In);
        Has(m.Prefix is not null, "prefix", ConditionOperator.Prefix);
        Has(m.Regex is not null, "regex", ConditionOperator.Regex);
        Has(m.Gt is not null, "gt", ConditionOperator.Gt);
        Has(m.Ge is not null, "ge", ConditionOperator.Ge);
        Has(m.Lt is not null, "lt", ConditionOperator.Lt);
        Has(m.Le is not null, "le", ConditionOperator.Le);
        Has(m.Eq is not null, "eq", ConditionOperator.Eq);
        Has(m.Exists is not null, "exists", ConditionOperator.Exists);
        if (operators.Count != 1)
        {
            problems.Add(new ConfigProblem(key, operators.Count == 0
                ? "needs an operator: equals, in, prefix, regex, gt, ge, lt, le, eq or exists"
                : $"has {operators.Count} operators ({string.Join(", ", operators.Select(o => o.Name))}); write one condition per operator"));
            return null;
        }
        var (opName, op) = operators[0];
        var opKey = key + "." + opName;
        List<string> literals = [];
        Regex? regex = null;
        double number = 0;
        switch (op)
        {
            case ConditionOperator.Equals:
                literals.Add(m.EqualTo!);
                break;
            case ConditionOperator.Prefix:
                if (m.Prefix!.Length == 0)
                {
                    problems.Add(new ConfigProblem(opKey, "an empty prefix matches everything; use exists: true"));
                }
                literals.Add(m.Prefix);
                break;
            case ConditionOperator.In:
                if (m.In!.Count == 0 || m.In.Any(v => v is null))
                {
                    problems.Add(new ConfigProblem(opKey, "needs a list of one or more values"));
                }
                literals.AddRange(m.In.Where(v => v is not null));
                break;
            case ConditionOperator.Regex:
                regex = CompileRegex(m.Regex!, m.IgnoreCase, opKey, problems);
                break;
            case ConditionOperator.Exists:
                break;
            default:
                number = (m.Gt ?? m.Ge ?? m.Lt ?? m.Le ?? m.Eq)!.Value;
                if (!double.IsFinite(number))
                {
                    problems.Add(new ConfigProblem(opKey, "must be a finite number"));
                }
                break;
        }
        if (field is null)
        {
            return null;
        }
        var shown = op switch
        {
            ConditionOperator.Exists => $"exists: {(m.Exists!.Value ? "true" : "false")}",
            ConditionOperator.In => $"in [{string.Join(", ", literals.Select(l => $"'{l}'"))}]",
            ConditionOperator.Regex => $"regex '{m.Regex}'",
            ConditionOperator.Equals or ConditionOperator.Prefix => $"{opName} '{literals[0]}'",
            _ => $"{opName} {number.ToString(CultureInfo.InvariantCulture)}",
        };
        var description = $"{where}: {(field.Kind == FieldKind.Label ? "label:" : "")}{field.Name} {shown}{(m.IgnoreCase ? " (ignoring case)" : "")}";
        return new RuleCondition(field, op, literals, regex, number, m.Exists ?? false, m.IgnoreCase, description);
    }

    // NonBacktracking: the regex runs on the receive loop against text anyone on the network can
    // send, so matching time must be linear in the input (no catastrophic backtracking, no
    // timeouts to tune); it costs backreferences and lookarounds, which filters rarely need.
    private static Regex? CompileRegex(string pattern, bool ignoreCase, string key, List<ConfigProblem> problems)
    {
        if (pattern.Length == 0 || pattern.Length > MaxRegexLength)
        {
            problems.Add(new ConfigProblem(key, $"must be 1–{MaxRegexLength} characters"));
            return null;
        }
        var options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : 0);
        try
        {
            return new Regex(pattern, options);
        }
        catch (RegexParseException ex)
        {
            problems.Add(new ConfigProblem(key, $"bad regex: {ex.Error} at offset {ex.Offset} ({ex.Message})"));
        }
        catch (NotSupportedException ex)
        {
            problems.Add(new ConfigProblem(key, $"not supported by the linear-time regex engine rules use (no backreferences, lookarounds or atomic groups): {ex.Message}"));
        }
        return null;
    }

    private static RuleAction? CompileAction(ActionModel? m, string key, IReadOnlyDictionary<string, string>? targetKinds, KeyCheck keys,
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
    private sealed class KeyCheck(string rule, IReadOnlyCollection<string>? extensionKeys, List<ConfigProblem> problems)
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
