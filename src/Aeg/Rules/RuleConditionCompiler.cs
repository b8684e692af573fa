using System.Globalization;
using System.Text.RegularExpressions;
using Aeg.Configuration;

namespace Aeg.Rules;

/// <summary>Compiles a rule's <c>when</c> conditions (field tests, regexes, any/all/not) and reports each problem with its key path.</summary>
internal static class RuleConditionCompiler
{
    /// <summary>How long a regex may be; longer is surely a mistake.</summary>
    private const int MaxRegexLength = 4096;

    public static RuleCondition? CompileCondition(ConditionModel? m, string key, string where, List<ConfigProblem> problems)
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
}
