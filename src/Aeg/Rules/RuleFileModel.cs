using YamlDotNet.Serialization;

namespace Aeg.Rules;

/// <summary>One rules file as written in YAML: <c>rules: [ … ]</c>.</summary>
public sealed class RuleFileModel
{
    public List<RuleModel>? Rules { get; set; }
}

/// <summary>A rule as written: name, conditions, dedupe template and actions.</summary>
public sealed class RuleModel
{
    public string? Name { get; set; }
    public List<ConditionModel>? When { get; set; }
    public string? Dedupe { get; set; }
    public List<ActionModel>? Actions { get; set; }
    /// <summary><c>esm</c>: fetch the full ESM event before rendering (templates may then use <c>{{esm.path}}</c>).</summary>
    public string? Enrich { get; set; }
    /// <summary>The CEF keys that may carry the ESM event id, first with a number wins (default: eventId, externalId).</summary>
    public List<string>? EventIdFields { get; set; }
    /// <summary>A new event for a key whose ticket is resolved reopens it (RT, Jira) before the update.</summary>
    public bool Reopen { get; set; }
}

/// <summary>A condition as written: one of <c>field</c>/<c>label</c> and exactly one operator.</summary>
public sealed class ConditionModel
{
    public string? Field { get; set; }
    public string? Label { get; set; }

    [YamlMember(Alias = "equals")]
    public string? EqualTo { get; set; }
    public List<string>? In { get; set; }
    public string? Prefix { get; set; }
    public string? Regex { get; set; }
    public double? Gt { get; set; }
    public double? Ge { get; set; }
    public double? Lt { get; set; }
    public double? Le { get; set; }
    public double? Eq { get; set; }
    public bool? Exists { get; set; }
    public bool IgnoreCase { get; set; }
}

/// <summary>A ticket action as written: the target system and the fields for create and update.</summary>
public sealed class ActionModel
{
    public string? Target { get; set; }
    public Dictionary<string, string>? Create { get; set; }
    public Dictionary<string, string>? Update { get; set; }
    /// <summary>Instead of a ticket: add an entry to, or delete it from, an ESM active list (instead of target/create/update).</summary>
    public ActiveListActionModel? EsmActiveList { get; set; }
    /// <summary>Instead of a ticket: create an ESM case for the rule's key (and update it for later events).</summary>
    public CaseActionModel? EsmCase { get; set; }
}

/// <summary>An <c>esmCase</c> action as written: the parent group, the case's name, the ESM event to attach and other case attributes.</summary>
public sealed class CaseActionModel
{
    public string? Group { get; set; }
    public string? Name { get; set; }
    public string? EventId { get; set; }
    public Dictionary<string, string>? Fields { get; set; }
}

/// <summary>An <c>esmActiveList</c> action as written: the list's resource id, <c>add</c> or <c>delete</c>, and the entry's columns.</summary>
public sealed class ActiveListActionModel
{
    public string? List { get; set; }
    public string? Op { get; set; }
    public Dictionary<string, string>? Entry { get; set; }
    /// <summary>The columns that identify an entry (the list's key fields); default: every column of <see cref="Entry"/>.</summary>
    public List<string>? Key { get; set; }
}
