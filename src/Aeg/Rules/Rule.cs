namespace Aeg.Rules;

/// <summary>A compiled rule: all conditions must hold; then every action gets one ticket work item.</summary>
public sealed class Rule(string name, string sourceFile, RuleCondition[] conditions, TicketTemplate dedupe, RuleAction[] actions, bool reopen = false)
{
    /// <summary>A new event for a key whose ticket is resolved reopens it before the update (RT, Jira).</summary>
    public bool Reopen { get; } = reopen;
    public string Name { get; } = name;
    /// <summary>The file the rule was loaded from.</summary>
    public string SourceFile { get; } = sourceFile;
    /// <summary>The written conditions, then an implicit <c>exists</c> per dedupe variable without default.</summary>
    public RuleCondition[] Conditions { get; } = conditions;
    public TicketTemplate Dedupe { get; } = dedupe;
    public RuleAction[] Actions { get; } = actions;
}

/// <summary>One action of a rule: the ticket system and the templated fields for create and update.</summary>
public sealed class RuleAction(string target, IReadOnlyList<KeyValuePair<string, TicketTemplate>>? create,
    IReadOnlyList<KeyValuePair<string, TicketTemplate>>? update)
{
    /// <summary>Name of a ticket system in the config's <c>tickets:</c> section.</summary>
    public string Target { get; } = target;
    public IReadOnlyList<KeyValuePair<string, TicketTemplate>>? Create { get; } = create;
    public IReadOnlyList<KeyValuePair<string, TicketTemplate>>? Update { get; } = update;
}
