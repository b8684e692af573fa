namespace Aeg.Rules;

/// <summary>The field names each kind of ticket action understands (see TicketWork's remarks).</summary>
public static class TicketFieldNames
{
    private static readonly Dictionary<string, string[]> ByKind = new(StringComparer.OrdinalIgnoreCase)
    {
        ["rt"] = ["Queue", "Subject", "Requestor", "Priority", "Content", "Status", "Comment", "Correspond"],
        ["jira"] = ["project", "issuetype", "summary", "description", "comment"],
        ["extrahop"] = ["detectionId", "ticket_id", "status", "assignee", "resolution"],
    };

    /// <summary>Null when <paramref name="field"/> is valid for <paramref name="kind"/>, else the reason. Unknown kinds (webhook) accept any name.</summary>
    public static string? Check(string kind, string field)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            return "a field name must not be empty";
        }
        if (!ByKind.TryGetValue(kind, out var names))
        {
            return null;
        }
        if (names.Contains(field, StringComparer.Ordinal))
        {
            return null;
        }
        if (kind.Equals("rt", StringComparison.OrdinalIgnoreCase) && field.StartsWith("CF.", StringComparison.Ordinal) && field.Length > 3)
        {
            return null;
        }
        var extra = kind.Equals("rt", StringComparison.OrdinalIgnoreCase) ? ", CF.<custom field>" : "";
        return $"unknown field '{field}' for a {kind} target (known: {string.Join(", ", names)}{extra})";
    }
}
