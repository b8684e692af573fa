using System.Text.Json;

namespace Aeg.Tickets;

/// <summary>
/// Jira's issue status, read with <c>GET /rest/api/2/issue/{key}?fields=status</c> (the same shape in REST v3):
/// <c>fields.status.name</c> and <c>fields.status.statusCategory.key</c>; <c>done</c> is the category of every finished
/// status of every workflow (Done, Resolved, Closed, Won't Do, a site's own), so it decides, not the name.
/// </summary>
public sealed partial class JiraTicketAction : ITicketStatusSource
{
    /// <inheritdoc/>
    public async Task<TicketStatus?> StatusAsync(string ticketRef, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(ticketRef))
        {
            throw Permanent("an empty issue key has no status");
        }
        var issue = Uri.EscapeDataString(ticketRef);
        var (_, body) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_api, $"issue/{issue}?fields=status")), $"read status of {ticketRef}", cancellationToken).ConfigureAwait(false);
        using var doc = JsonBody.TryParse(body);
        if (doc?.RootElement is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Object
            || !fields.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object
            || !status.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } statusName)
        {
            return null;
        }
        return new TicketStatus(statusName, CategoryKey(status) == "done");
    }
}
