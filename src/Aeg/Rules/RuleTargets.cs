using Aeg.Configuration;

namespace Aeg.Rules;

/// <summary>The ticket system names (and kinds) rules may use as targets, from the config.</summary>
public static class RuleTargets
{
    /// <summary>Name → kind (rt, jira, extrahop, webhook) of the systems in the config's <c>tickets.systems</c>.</summary>
    public static IReadOnlyDictionary<string, string>? From(AegOptions options) => options.Tickets.TargetKinds();
}
