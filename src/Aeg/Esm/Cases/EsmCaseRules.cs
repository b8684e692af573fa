using Aeg.Configuration;
using Aeg.Rules;
using Aeg.Tickets;

namespace Aeg.Esm.Cases;

/// <summary>The rules <c>esm.cases.rules</c> names, checked at start-up (a <see cref="ConfigException"/> names the key and the reason).</summary>
public static class EsmCaseRules
{
    public static IReadOnlyList<Rule> Resolve(EsmCaseOptions options, IReadOnlyList<Rule> rules, TicketsOptions tickets, string configFile)
    {
        if (tickets.Systems.ContainsKey(EsmCaseWriteBack.Target))
        {
            throw new ConfigException(configFile, $"tickets.systems.{EsmCaseWriteBack.Target}", "this name is taken by the ESM case write-back; rename the system");
        }
        var byName = rules.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var resolved = new List<Rule>();
        foreach (var name in options.Rules)
        {
            if (!byName.TryGetValue(name, out var rule))
            {
                throw new ConfigException(configFile, "esm.cases.rules", $"no rule named '{name}' in rules.path (known: {string.Join(", ", byName.Keys)})");
            }
            resolved.Add(rule);
        }
        return resolved;
    }
}
