using System.Text.Json;

namespace Aeg.Tickets;

/// <summary>
/// Jira through REST v2: create an issue (POST /rest/api/2/issue), add a comment
/// (POST /rest/api/2/issue/{key}/comment), change fields (PUT /rest/api/2/issue/{key}) — summary,
/// description, priority, labels, assignee, custom fields — and move it to a status through the
/// workflow (GET then POST /rest/api/2/issue/{key}/transitions).
/// </summary>
public sealed partial class JiraTicketAction : ITicketAction
{
    private const string AccountIdPrefix = "accountId:";
    private static readonly HashSet<string> CreateFields = new(StringComparer.Ordinal) { "project", "issuetype", "summary", "description", "priority", "labels", "assignee", "status" };
    private static readonly HashSet<string> UpdateFields = new(StringComparer.Ordinal) { "comment", "summary", "description", "priority", "labels", "assignee", "status" };
    private readonly TicketHttp _http;
    private readonly Uri _api;
    private readonly Uri _baseUrl;

    public JiraTicketAction(TicketHttp http, Uri baseUrl)
    {
        _http = http;
        _baseUrl = baseUrl;
        _api = new Uri(baseUrl.ToString().TrimEnd('/') + "/rest/api/2/");
    }

    public string Name => _http.Name;

    /// <summary>Jira's issue page, <c>/browse/KEY-1</c>.</summary>
    public string? TicketUrl(string ticketRef) => TicketPageUrl.Of(_baseUrl, "browse/" + Uri.EscapeDataString(ticketRef));

    public Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken) =>
        CreateAsync(fields, null, cancellationToken);

    /// <summary>Creates the issue with the label <paramref name="idempotencyKey"/> besides the rule's labels, so <see cref="FindCreatedAsync"/> finds it by JQL.</summary>
    public async Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, string? idempotencyKey, CancellationToken cancellationToken)
    {
        Check(fields, CreateFields);
        if (!fields.TryGetValue("project", out var project) || project.Length == 0)
        {
            throw Permanent("create needs a project field (the project key)");
        }
        if (!fields.TryGetValue("summary", out var summary) || summary.Length == 0)
        {
            throw Permanent("create needs a summary field");
        }
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("fields");
            w.WriteStartObject("project");
            w.WriteString("key", project);
            w.WriteEndObject();
            w.WriteStartObject("issuetype");
            w.WriteString("name", fields.TryGetValue("issuetype", out var type) && type.Length > 0 ? type : "Task");
            w.WriteEndObject();
            WriteEditable(w, fields, idempotencyKey);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        var (_, response) = await _http.SendAsync(() => JsonBody.Request(HttpMethod.Post, new Uri(_api, "issue"), body), "create issue", cancellationToken).ConfigureAwait(false);
        using var doc = JsonBody.TryParse(response);
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("key", out var key) && key.GetString() is { Length: > 0 } k)
        {
            // A new issue starts in its workflow's first status; a create that names another one moves it there.
            if (fields.TryGetValue("status", out var status) && status.Length > 0)
            {
                await TransitionAsync(k, status, cancellationToken).ConfigureAwait(false);
            }
            return new TicketResult(k);
        }
        throw Permanent($"create issue: the answer has no issue key: {_http.Scrubber.Scrub(response)}");
    }

    /// <summary>The issue carrying the label <paramref name="idempotencyKey"/>: <c>GET /rest/api/2/search?jql=labels = "…"</c>.</summary>
    public async Task<TicketResult?> FindCreatedAsync(IReadOnlyDictionary<string, string> fields, string idempotencyKey, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        var jql = Uri.EscapeDataString($"labels = \"{idempotencyKey}\" ORDER BY created ASC");
        var uri = new Uri(_api, $"search?jql={jql}&fields=key&maxResults=1");
        var (_, response) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), "search issue by label", cancellationToken).ConfigureAwait(false);
        using var doc = JsonBody.TryParse(response);
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("issues", out var issues) &&
            issues.ValueKind == JsonValueKind.Array && issues.GetArrayLength() > 0 &&
            issues[0].TryGetProperty("key", out var key) && key.GetString() is { Length: > 0 } k)
        {
            return new TicketResult(k);
        }
        return null;
    }

    public async Task UpdateAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        Check(fields, UpdateFields);
        var issue = Uri.EscapeDataString(ticketRef);
        if (fields.TryGetValue("comment", out var comment))
        {
            var body = JsonBody.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("body", comment);
                w.WriteEndObject();
            });
            await _http.SendAsync(() => JsonBody.Request(HttpMethod.Post, new Uri(_api, $"issue/{issue}/comment"), body), $"comment on {ticketRef}", cancellationToken).ConfigureAwait(false);
        }
        if (fields.Keys.Any(k => k is not "comment" and not "status"))
        {
            var body = JsonBody.Write(w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("fields");
                WriteEditable(w, fields);
                w.WriteEndObject();
                w.WriteEndObject();
            });
            await _http.SendAsync(() => JsonBody.Request(HttpMethod.Put, new Uri(_api, $"issue/{issue}"), body), $"edit {ticketRef}", cancellationToken).ConfigureAwait(false);
        }
        if (fields.TryGetValue("status", out var status) && status.Length > 0)
        {
            await TransitionAsync(ticketRef, status, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reopens a done issue: when its status is in the <c>done</c> status category (GET issue?fields=status,
    /// <c>statusCategory.key</c>), posts the first transition whose target is outside that category
    /// ("Reopen" in Jira's default workflows). False when the issue is not done; an error when no transition leaves done.
    /// </summary>
    public async Task<bool> ReopenIfResolvedAsync(string ticketRef, CancellationToken cancellationToken)
    {
        var issue = Uri.EscapeDataString(ticketRef);
        var (_, current) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_api, $"issue/{issue}?fields=status")), $"read status of {ticketRef}", cancellationToken).ConfigureAwait(false);
        using (var doc = JsonBody.TryParse(current))
        {
            if (doc?.RootElement is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("fields", out var f) ||
                !f.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Object || CategoryKey(s) != "done")
            {
                return false;
            }
        }
        var transitions = await TransitionsAsync(ticketRef, cancellationToken).ConfigureAwait(false);
        var reopen = transitions.FirstOrDefault(t => t.ToCategory is not null && t.ToCategory != "done");
        if (reopen.Id is null)
        {
            throw Permanent($"{ticketRef} is done and no transition leads out of the done category (transitions: {Describe(transitions)})");
        }
        await PostTransitionAsync(ticketRef, reopen.Id, reopen.To, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static string? CategoryKey(JsonElement status) =>
        status.TryGetProperty("statusCategory", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("key", out var k) ? k.GetString() : null;

    private static string Describe(List<(string Id, string Name, string To, string? ToCategory)> transitions) =>
        transitions.Count == 0 ? "none" : string.Join(", ", transitions.Select(t => $"'{t.Name}' → '{t.To}'"));

    /// <summary>
    /// Moves the issue to the status named <paramref name="status"/>: nothing when it is there already
    /// (GET issue?fields=status), else the transition leading to it — matched on the target status's name,
    /// then on the transition's own name, ignoring case — from GET …/transitions, then POST …/transitions.
    /// No such transition from the current status is an error naming the ones there are.
    /// </summary>
    public async Task TransitionAsync(string ticketRef, string status, CancellationToken ct)
    {
        var issue = Uri.EscapeDataString(ticketRef);
        var (_, current) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_api, $"issue/{issue}?fields=status")), $"read status of {ticketRef}", ct).ConfigureAwait(false);
        using (var doc = JsonBody.TryParse(current))
        {
            if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("fields", out var f) &&
                f.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty("name", out var n) &&
                string.Equals(n.GetString(), status, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }
        var transitions = await TransitionsAsync(ticketRef, ct).ConfigureAwait(false);
        var match = transitions.FirstOrDefault(t => string.Equals(t.To, status, StringComparison.OrdinalIgnoreCase));
        if (match.Id is null)
        {
            match = transitions.FirstOrDefault(t => string.Equals(t.Name, status, StringComparison.OrdinalIgnoreCase));
        }
        if (match.Id is null)
        {
            throw Permanent($"{ticketRef}: no transition to status '{status}' from its current status (transitions: {Describe(transitions)})");
        }
        await PostTransitionAsync(ticketRef, match.Id, status, ct).ConfigureAwait(false);
    }

    private async Task<List<(string Id, string Name, string To, string? ToCategory)>> TransitionsAsync(string ticketRef, CancellationToken ct)
    {
        var issue = Uri.EscapeDataString(ticketRef);
        var (_, list) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_api, $"issue/{issue}/transitions")), $"list transitions of {ticketRef}", ct).ConfigureAwait(false);
        var transitions = new List<(string Id, string Name, string To, string? ToCategory)>();
        using var doc = JsonBody.TryParse(list);
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("transitions", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in items.EnumerateArray())
            {
                var id = t.TryGetProperty("id", out var i) ? (i.ValueKind == JsonValueKind.Number ? i.GetRawText() : i.GetString()) : null;
                var name = t.TryGetProperty("name", out var nm) ? nm.GetString() : null;
                var target = t.TryGetProperty("to", out var to) && to.ValueKind == JsonValueKind.Object ? to : default;
                var toName = target.ValueKind == JsonValueKind.Object && target.TryGetProperty("name", out var tn) ? tn.GetString() : null;
                if (id is { Length: > 0 })
                {
                    transitions.Add((id, name ?? "", toName ?? "", target.ValueKind == JsonValueKind.Object ? CategoryKey(target) : null));
                }
            }
        }
        return transitions;
    }

    private async Task PostTransitionAsync(string ticketRef, string id, string status, CancellationToken ct)
    {
        var issue = Uri.EscapeDataString(ticketRef);
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("transition");
            w.WriteString("id", id);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        await _http.SendAsync(() => JsonBody.Request(HttpMethod.Post, new Uri(_api, $"issue/{issue}/transitions"), body), $"transition {ticketRef} to {status}", ct).ConfigureAwait(false);
    }

    private static void WriteEditable(Utf8JsonWriter w, IReadOnlyDictionary<string, string> fields, string? extraLabel = null)
    {
        foreach (var name in new[] { "summary", "description" })
        {
            if (fields.TryGetValue(name, out var value))
            {
                w.WriteString(name, value);
            }
        }
        if (fields.TryGetValue("priority", out var priority))
        {
            w.WriteStartObject("priority");
            w.WriteString("name", priority);
            w.WriteEndObject();
        }
        if (fields.TryGetValue("assignee", out var assignee))
        {
            // Jira Server/Data Center names users; Jira Cloud takes only account ids.
            w.WriteStartObject("assignee");
            if (assignee.StartsWith(AccountIdPrefix, StringComparison.Ordinal))
            {
                w.WriteString("accountId", assignee[AccountIdPrefix.Length..]);
            }
            else
            {
                w.WriteString("name", assignee);
            }
            w.WriteEndObject();
        }
        foreach (var (name, value) in fields.Where(f => CustomField().IsMatch(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            // customfield_N is a text field's string; customfield_N.value an option of a select list ({"value": …}).
            if (name.EndsWith(".value", StringComparison.Ordinal))
            {
                w.WriteStartObject(name[..^6]);
                w.WriteString("value", value);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString(name, value);
            }
        }
        if (fields.TryGetValue("labels", out var labels) || extraLabel is not null)
        {
            // Jira labels cannot contain spaces; a template gives them comma-separated.
            w.WriteStartArray("labels");
            foreach (var label in (labels ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                w.WriteStringValue(label.Replace(' ', '_'));
            }
            if (extraLabel is not null)
            {
                w.WriteStringValue(extraLabel);
            }
            w.WriteEndArray();
        }
    }

    private void Check(IReadOnlyDictionary<string, string> fields, HashSet<string> allowed)
    {
        var unknown = JsonBody.UnknownFields(fields.Keys, n => allowed.Contains(n) || CustomField().IsMatch(n));
        if (unknown.Length > 0)
        {
            throw Permanent($"unknown Jira field(s) {unknown}; use {string.Join(", ", allowed)}, customfield_<id> or customfield_<id>.value");
        }
    }

    /// <summary>A Jira custom field id as the REST API names it, optionally <c>.value</c> for a select list option.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^customfield_[0-9]+(\.value)?$")]
    internal static partial System.Text.RegularExpressions.Regex CustomField();

    private TicketActionException Permanent(string message) => new($"{Name}: {message}", transient: false, attempts: 0);
}
