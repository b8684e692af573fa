namespace Aeg.Tickets;

/// <summary>
/// How an <c>esmActiveList</c> rule action travels as ticket work: the reserved target, the list and op fields and one
/// <c>column.&lt;name&gt;</c> field per entry column; the dedupe key is the list and the entry, so an add and a later
/// delete of the same entry run in order.
/// </summary>
public static class ActiveListWork
{
    /// <summary>The reserved target name of active-list work (not a name in <c>tickets.systems</c>).</summary>
    public const string TargetName = "esm-active-list";

    /// <summary>Field holding the list's resource id or URI (resolved when the work runs).</summary>
    public const string ListField = "list";

    /// <summary>Field holding <c>add</c> or <c>delete</c>.</summary>
    public const string OpField = "op";

    /// <summary>Prefix of the fields holding the entry's columns (<c>column.Host</c>).</summary>
    public const string ColumnPrefix = "column.";
}
