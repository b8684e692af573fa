namespace Aeg.Tickets;

/// <summary>
/// One ticket action to carry out, produced by a matched rule and consumed by the ticket
/// dispatcher: create a ticket for a new dedupe key, or update the existing one.
/// </summary>
/// <param name="RuleName">The rule that matched (for logs, metrics, dead letters).</param>
/// <param name="Target">The name of a ticket system defined in the config's <c>tickets:</c> section.</param>
/// <param name="DedupeKey">Rendered dedupe key; (Target, DedupeKey) maps to one ticket across restarts.</param>
/// <param name="OnCreate">Rendered fields used when no ticket exists yet for the key (null: never create).</param>
/// <param name="OnUpdate">Rendered fields used when a ticket exists (null: leave it alone).</param>
/// <param name="RawEvent">The CEF text as received, for templates and dead letters.</param>
/// <param name="ReceivedAt">When the listener received the event.</param>
/// <remarks>
/// Field names are those of the target system's action: for Request Tracker <c>Queue</c>,
/// <c>Subject</c>, <c>Requestor</c>, <c>Priority</c>, <c>Content</c>, <c>Status</c>, <c>Comment</c>,
/// <c>Correspond</c> and <c>CF.&lt;name&gt;</c> for custom fields; for Jira <c>project</c>,
/// <c>issuetype</c>, <c>summary</c>, <c>description</c>, <c>comment</c>, <c>priority</c>, <c>labels</c>, <c>assignee</c>,
/// <c>status</c>, <c>customfield_N</c>; for ExtraHop
/// <c>detectionId</c>, <c>ticket_id</c>, <c>status</c>, <c>assignee</c>, <c>resolution</c>; for a
/// webhook, any names (they become the JSON body's properties). Values are plain text: each
/// action encodes them for its wire format (JSON), so no event content can inject fields.
/// </remarks>
public sealed record TicketWork(
    string RuleName,
    string Target,
    string DedupeKey,
    IReadOnlyDictionary<string, string>? OnCreate,
    IReadOnlyDictionary<string, string>? OnUpdate,
    string RawEvent,
    DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// The mark a rule with <c>reopen: true</c> puts in <see cref="OnUpdate"/>: a resolved ticket is reopened
    /// before the update. Kept among the fields so it survives the outbox and dead letters as they are.
    /// </summary>
    public const string ReopenField = "aeg.reopen";

    /// <summary>True when the rule says a resolved ticket for the key is reopened (see <see cref="ReopenField"/>).</summary>
    public bool Reopen => OnUpdate is not null && OnUpdate.ContainsKey(ReopenField);

    /// <summary>The update fields for the ticket system (without <see cref="ReopenField"/>); null when there are none.</summary>
    public IReadOnlyDictionary<string, string>? UpdateFields => !Reopen ? OnUpdate
        : OnUpdate!.Count == 1 ? null
        : OnUpdate.Where(f => f.Key != ReopenField).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
}
