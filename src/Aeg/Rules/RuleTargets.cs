using Aeg.Configuration;

namespace Aeg.Rules;

/// <summary>The ticket system names (and kinds) rules may use as targets, from the config.</summary>
public static class RuleTargets
{
    /// <summary>Name → kind (rt, jira, extrahop, webhook); null until the config has a tickets section.</summary>
    public static IReadOnlyDictionary<string, string>? From(AegOptions options) => null;
}
