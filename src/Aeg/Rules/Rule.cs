namespace Aeg.Rules;

/// <summary>A compiled rule: all conditions must hold; then every action gets one ticket work item.</summary>
public sealed class Rule(string name, string sourceFile, RuleCondition[] conditions, TicketTemplate dedupe, RuleAction[] actions,
    RuleEnrichment? enrichment = null, bool reopen = false)
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
    /// <summary>Where the ticket worker fetches more of the event before rendering (<c>enrich: esm</c>), or null.</summary>
    public RuleEnrichment? Enrichment { get; } = enrichment;
}

/// <summary>
/// <c>enrich: esm</c>: the ticket worker fetches the full ESM event by the id in the first of
/// <paramref name="EventIdFields"/> that holds a number, so templates can read <c>{{esm.…}}</c>.
/// </summary>
public sealed record RuleEnrichment(IReadOnlyList<FieldRef> EventIdFields)
{
    /// <summary>ESM forwards its event id as <c>eventId</c>; some connectors carry it as <c>externalId</c>.</summary>
    public static IReadOnlyList<string> DefaultEventIdFields { get; } = ["eventId", "externalId"];

    /// <summary>The ESM event id of <paramref name="cefEvent"/>, or null when no id field holds a whole number.</summary>
    public long? EventId(CefEvent cefEvent)
    {
        foreach (var field in EventIdFields)
        {
            if (cefEvent.Get(field) is { } text && long.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                return id;
            }
        }
        return null;
    }
}

/// <summary>One action of a rule: the ticket system and the templated fields for create and update.</summary>
public sealed class RuleAction(string target, IReadOnlyList<KeyValuePair<string, TicketTemplate>>? create,
    IReadOnlyList<KeyValuePair<string, TicketTemplate>>? update, TicketTemplate? key = null)
{
    /// <summary>Name of a ticket system in the config's <c>tickets:</c> section.</summary>
    public string Target { get; } = target;
    public IReadOnlyList<KeyValuePair<string, TicketTemplate>>? Create { get; } = create;
    public IReadOnlyList<KeyValuePair<string, TicketTemplate>>? Update { get; } = update;
    /// <summary>The action's own dedupe key (an active-list entry); null: the rule's <c>dedupe</c>.</summary>
    public TicketTemplate? Key { get; } = key;
}
