namespace Aeg.Tickets;

/// <summary>
/// How an <c>esmCase</c> rule action travels as ticket work: the reserved target, the group, name and event id fields
/// and one <c>field.&lt;attribute&gt;</c> field per case attribute; the dedupe key is the rule's, so one key is one case.
/// </summary>
public static class EsmCaseWork
{
    /// <summary>The reserved target name of case work (not a name in <c>tickets.systems</c>).</summary>
    public const string TargetName = "esm-case-from-rule";

    /// <summary>Field holding the parent group's URI or resource id.</summary>
    public const string GroupField = "group";

    /// <summary>Field holding the case's name (with the group, how a case made before a crash is found again).</summary>
    public const string NameField = "name";

    /// <summary>Field holding the ESM event id to attach (empty: none).</summary>
    public const string EventIdField = "eventId";

    /// <summary>Prefix of the fields holding case attributes (<c>field.externalID</c>).</summary>
    public const string FieldPrefix = "field.";
}
