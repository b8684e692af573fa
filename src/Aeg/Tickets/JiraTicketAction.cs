using System.Text.Json;

namespace Aeg.Tickets;

/// <summary>
/// Jira through REST v2: create an issue (POST /rest/api/2/issue), add a comment
/// (POST /rest/api/2/issue/{key}/comment), change fields (PUT /rest/api/2/issue/{key}).
/// </summary>
public sealed class JiraTicketAction : ITicketAction
{
    private static readonly HashSet<string> CreateFields = new(StringComparer.Ordinal) { "project", "issuetype", "summary", "description", "priority", "labels" };
    private static readonly HashSet<string> UpdateFields = new(StringComparer.Ordinal) { "comment", "summary", "description", "priority", "labels" };
    private readonly TicketHttp _http;
    private readonly Uri _api;

    public JiraTicketAction(TicketHttp http, Uri baseUrl)
    {
        _http = http;
        _api = new Uri(baseUrl.ToString().TrimEnd('/') + "/rest/api/2/");
    }

    public string Name => _http.Name;

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
        if (fields.Keys.Any(k => k != "comment"))
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
        var unknown = JsonBody.UnknownFields(fields.Keys, allowed.Contains);
        if (unknown.Length > 0)
        {
            throw Permanent($"unknown Jira field(s) {unknown}; use {string.Join(", ", allowed)}");
        }
    }

    private TicketActionException Permanent(string message) => new($"{Name}: {message}", transient: false, attempts: 0);
}
