namespace Aeg.Rules;

/// <summary>The field names each kind of ticket action understands (see TicketWork's remarks).</summary>
public static partial class TicketFieldNames
{
    private static readonly Dictionary<string, string[]> ByKind = new(StringComparer.OrdinalIgnoreCase)
    {
        ["rt"] = ["Queue", "Subject", "Requestor", "Priority", "Content", "Status", "Comment", "Correspond"],
        ["jira"] = ["project", "issuetype", "summary", "description", "comment", "priority", "labels", "assignee", "status"],
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
        if (kind.Equals("jira", StringComparison.OrdinalIgnoreCase) && JiraCustomField().IsMatch(field))
        {
            return null;
        }
        var extra = kind.ToLowerInvariant() switch
        {
            "rt" => ", CF.<custom field>",
            "jira" => ", customfield_<id>, customfield_<id>.value",
            _ => "",
        };
        return $"unknown field '{field}' for a {kind} target (known: {string.Join(", ", names)}{extra})";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^customfield_[0-9]+(\.value)?$")]
    private static partial System.Text.RegularExpressions.Regex JiraCustomField();
}
