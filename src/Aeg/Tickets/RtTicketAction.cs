using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Aeg.Tickets;

/// <summary>
/// Request Tracker 5 through REST2: create (POST /ticket), comment and correspond
/// (POST /ticket/{id}/comment|correspond), and status/field updates (PUT /ticket/{id}).
/// </summary>
/// <remarks>
/// RT accepts some mistakes with a 2xx answer. Seen on the dev RT (RT 5, Debian request-tracker5):
/// <list type="bullet">
/// <item>POST /ticket with an unknown custom field: <c>201 {"id":"1","type":"ticket",…}</c>, the field silently dropped.</item>
/// <item>PUT /ticket/1 with an unknown custom field: <c>200 []</c> — exactly what an update that changes nothing returns.</item>
/// <item>PUT /ticket/1 with <c>{"Status":"bogus"}</c>: <c>200 ["Ticket 1: Status 'bogus' isn't a valid status for this ticket."]</c>.</item>
/// <item>POST /ticket with an invalid status: <c>400 {"message":"Status 'bogus' isn't a valid status for tickets in this queue."}</c>.</item>
/// <item>A good PUT: <c>200 ["Ticket 1: Status changed from 'new' to 'open'","SourceIP 10.0.0.1 changed to 10.0.0.2"]</c>.</item>
/// <item>Comment on a missing ticket: <c>400 {"message":"Permission Denied"}</c>; wrong credentials: <c>401 {"message":"Unauthorized"}</c>.</item>
/// </list>
/// So custom field names are checked first against the queue's <c>TicketCustomFields</c> (GET /queue/{name})
/// or the ticket's <c>CustomFields</c> (GET /ticket/{id}), and the message arrays of 2xx answers are
/// scanned for failure phrases.
/// </remarks>
public sealed partial class RtTicketAction : ITicketAction
{
    private const string CfPrefix = "CF.";
    private static readonly HashSet<string> CreateFields = new(StringComparer.Ordinal) { "Queue", "Subject", "Requestor", "Priority", "Content", "Status", "Owner" };
    private static readonly HashSet<string> UpdateFields = new(StringComparer.Ordinal) { "Comment", "Correspond", "Subject", "Priority", "Status", "Owner" };
    private readonly TicketHttp _http;
    private readonly Uri _api;
    private readonly Uri _baseUrl;

    public RtTicketAction(TicketHttp http, Uri baseUrl)
    {
        _http = http;
        _baseUrl = baseUrl;
        _api = new Uri(baseUrl.ToString().TrimEnd('/') + "/REST/2.0/");
    }

    public string Name => _http.Name;

    /// <summary>RT's ticket page, <c>/Ticket/Display.html?id=N</c>.</summary>
    public string? TicketUrl(string ticketRef) => TicketPageUrl.Of(_baseUrl, "Ticket/Display.html?id=" + Uri.EscapeDataString(ticketRef));

    public async Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        CheckNames(fields, CreateFields);
        if (!fields.TryGetValue("Queue", out var queue) || queue.Length == 0)
        {
            throw Permanent("create needs a Queue field");
        }
        var priority = ParsePriority(fields);
        var customFields = CustomFields(fields);
        if (customFields.Count > 0)
        {
            var known = await QueueCustomFieldsAsync(queue, cancellationToken).ConfigureAwait(false);
            CheckCustomFields(customFields, known, $"queue {queue}");
        }
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                if (name == "Priority" || name.StartsWith(CfPrefix, StringComparison.Ordinal))
                {
                    continue;
                }
                w.WriteString(name, value);
            }
            if (priority is { } p)
            {
                w.WriteNumber("Priority", p);
            }
            if (fields.ContainsKey("Content"))
            {
                w.WriteString("ContentType", "text/plain");
            }
            WriteCustomFields(w, customFields);
            w.WriteEndObject();
        });
        var (_, response) = await _http.SendAsync(() => JsonBody.Request(HttpMethod.Post, new Uri(_api, "ticket"), body), "create ticket", cancellationToken).ConfigureAwait(false);
        using var doc = JsonBody.TryParse(response);
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("id", out var id))
        {
            var ticketRef = id.ValueKind == JsonValueKind.Number ? id.GetRawText() : id.GetString() ?? "";
            var unstored = customFields.Count > 0 && int.TryParse(ticketRef, NumberStyles.None, CultureInfo.InvariantCulture, out var created)
                ? await ReadBackAsync(created, customFields, cancellationToken).ConfigureAwait(false)
                : [];
            return new TicketResult(ticketRef) { Unstored = unstored };
        }
        throw Permanent($"create ticket: the answer has no ticket id: {_http.Scrubber.Scrub(response)}");
    }

    /// <summary>
    /// The ticket an unanswered create made: REST2 <c>GET /tickets?query=</c> for the queue and exact subject,
    /// created since the day before the create was sent (TicketSQL dates are in the RT user's time zone), oldest first.
    /// Without a Subject nothing identifies the ticket, and null is returned (the create is sent again).
    /// </summary>
    public async Task<TicketResult?> FindCreatedAsync(IReadOnlyDictionary<string, string> fields, string idempotencyKey, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        if (!fields.TryGetValue("Queue", out var queue) || !fields.TryGetValue("Subject", out var subject) || subject.Length == 0)
        {
            return null;
        }
        var since = sentAt.UtcDateTime.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var query = $"Queue = '{TicketSql(queue)}' AND Subject = '{TicketSql(subject)}' AND Created >= '{since}'";
        var uri = new Uri(_api, $"tickets?query={Uri.EscapeDataString(query)}&orderby=id&order=ASC&per_page=1");
        var (_, response) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), "search ticket by subject", cancellationToken).ConfigureAwait(false);
        using var doc = JsonBody.TryParse(response);
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("items", out var items) &&
            items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0 && items[0].TryGetProperty("id", out var id))
        {
            return new TicketResult(id.ValueKind == JsonValueKind.Number ? id.GetRawText() : id.GetString() ?? "");
        }
        return null;
    }

    private static string TicketSql(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    public async Task UpdateAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken) =>
        await UpdateCheckedAsync(ticketRef, fields, cancellationToken).ConfigureAwait(false);

    /// <summary>The update, then the custom fields read back: RT answers 200 to a value it cannot store (a host name in an IP address field).</summary>
    public async Task<IReadOnlyList<UnstoredField>> UpdateCheckedAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        CheckNames(fields, UpdateFields);
        if (!int.TryParse(ticketRef, NumberStyles.None, CultureInfo.InvariantCulture, out var ticketId))
        {
            throw Permanent($"'{ticketRef}' is not an RT ticket number");
        }
        var priority = ParsePriority(fields);
        var customFields = CustomFields(fields);
        if (customFields.Count > 0)
        {
            var known = await TicketCustomFieldsAsync(ticketId, cancellationToken).ConfigureAwait(false);
            CheckCustomFields(customFields, known, $"ticket {ticketId}");
        }
        // Comment and correspond before the status change: a resolving update keeps its note on the ticket.
        foreach (var kind in new[] { "Comment", "Correspond" })
        {
            if (fields.TryGetValue(kind, out var text))
            {
                var body = JsonBody.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("Content", text);
                    w.WriteString("ContentType", "text/plain");
                    w.WriteEndObject();
                });
                var uri = new Uri(_api, $"ticket/{ticketId}/{kind.ToLowerInvariant()}");
                var (_, response) = await _http.SendAsync(() => JsonBody.Request(HttpMethod.Post, uri, body), $"{kind.ToLowerInvariant()} on ticket {ticketId}", cancellationToken).ConfigureAwait(false);
                CheckMessages(response, $"{kind.ToLowerInvariant()} on ticket {ticketId}", []);
            }
        }
        var changes = fields.Where(f => f.Key is "Subject" or "Status" or "Owner").ToList();
        if (changes.Count > 0 || priority is not null || customFields.Count > 0)
        {
            var body = JsonBody.Write(w =>
            {
                w.WriteStartObject();
                foreach (var (name, value) in changes)
                {
                    w.WriteString(name, value);
                }
                if (priority is { } p)
                {
                    w.WriteNumber("Priority", p);
                }
                WriteCustomFields(w, customFields);
                w.WriteEndObject();
            });
            var (_, response) = await _http.SendAsync(() => JsonBody.Request(HttpMethod.Put, new Uri(_api, $"ticket/{ticketId}"), body), $"update ticket {ticketId}", cancellationToken).ConfigureAwait(false);
            CheckMessages(response, $"update ticket {ticketId}", fields.Values);
        }
        return customFields.Count > 0 ? await ReadBackAsync(ticketId, customFields, cancellationToken).ConfigureAwait(false) : [];
    }

    /// <summary>
    /// The custom fields whose value the ticket does not hold after a 2xx create or update (REST2 <c>GET /ticket/{id}</c>,
    /// <c>CustomFields[].values</c>). The ticket exists by now, so a failed read is reported as such, never thrown:
    /// the job must not fail (and create again) over a check.
    /// </summary>
    private async Task<IReadOnlyList<UnstoredField>> ReadBackAsync(int ticketId, List<KeyValuePair<string, string>> sent, CancellationToken ct)
    {
        string body;
        try
        {
            var uri = new Uri(_api, $"ticket/{ticketId}");
            (_, body) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), $"read back ticket {ticketId}", ct).ConfigureAwait(false);
        }
        catch (TicketActionException ex)
        {
            return [.. sent.Select(cf => new UnstoredField("CF." + cf.Key, cf.Value, $"(not read back: {ex.Message})"))];
        }
        var stored = StoredCustomFields(body);
        return [.. sent.Where(cf => cf.Value.Trim().Length > 0 && !(stored.TryGetValue(cf.Key, out var values) && values.Any(v => SameValue(v, cf.Value))))
            .Select(cf => new UnstoredField("CF." + cf.Key, cf.Value, stored.TryGetValue(cf.Key, out var values) && values.Count > 0 ? string.Join(", ", values) : "(empty)"))];
    }

    private static Dictionary<string, List<string>> StoredCustomFields(string body)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using var doc = JsonBody.TryParse(body);
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root &&
            root.TryGetProperty("CustomFields", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var cf in list.EnumerateArray())
            {
                if (cf.ValueKind == JsonValueKind.Object && cf.TryGetProperty("name", out var name) && name.GetString() is { } n &&
                    cf.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array)
                {
                    result[n] = [.. values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)];
                }
            }
        }
        return result;
    }

    // RT normalises some values (IP addresses, blanks), so an equal address or a trimmed match counts as stored.
    private static bool SameValue(string stored, string sent)
    {
        var (a, b) = (stored.Trim(), sent.Trim());
        return string.Equals(a, b, StringComparison.Ordinal) ||
            (System.Net.IPAddress.TryParse(a, out var x) && System.Net.IPAddress.TryParse(b, out var y) && x.Equals(y));
    }

    /// <summary>
    /// Reads the ticket (GET /ticket/{id}); when its Status is one of RT's default inactive statuses
    /// (resolved, rejected) sets it to <c>open</c> with PUT /ticket/{id}. A deleted ticket is not brought back.
    /// </summary>
    public async Task<bool> ReopenIfResolvedAsync(string ticketRef, CancellationToken cancellationToken)
    {
        if (!int.TryParse(ticketRef, NumberStyles.None, CultureInfo.InvariantCulture, out var ticketId))
        {
            throw Permanent($"'{ticketRef}' is not an RT ticket number");
        }
        var uri = new Uri(_api, $"ticket/{ticketId}");
        var (_, body) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), $"read ticket {ticketId}", cancellationToken).ConfigureAwait(false);
        using (var doc = JsonBody.TryParse(body))
        {
            if (doc?.RootElement is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("Status", out var status) ||
                status.GetString() is not ("resolved" or "rejected"))
            {
                return false;
            }
        }
        var open = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("Status", "open");
            w.WriteEndObject();
        });
        var (_, response) = await _http.SendAsync(() => JsonBody.Request(HttpMethod.Put, uri, open), $"reopen ticket {ticketId}", cancellationToken).ConfigureAwait(false);
        CheckMessages(response, $"reopen ticket {ticketId}", ["open"]);
        return true;
    }

    private async Task<HashSet<string>> QueueCustomFieldsAsync(string queue, CancellationToken ct)
    {
        var uri = new Uri(_api, "queue/" + Uri.EscapeDataString(queue));
        var (_, body) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), $"read queue {queue}", ct).ConfigureAwait(false);
        return Names(body, "TicketCustomFields");
    }

    private async Task<HashSet<string>> TicketCustomFieldsAsync(int ticketId, CancellationToken ct)
    {
        var uri = new Uri(_api, $"ticket/{ticketId}");
        var (_, body) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), $"read ticket {ticketId}", ct).ConfigureAwait(false);
        return Names(body, "CustomFields");
    }

    private static HashSet<string> Names(string body, string property)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var doc = JsonBody.TryParse(body);
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root &&
            root.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name) && name.GetString() is { } n)
                {
                    names.Add(n);
                }
            }
        }
        return names;
    }

    private void CheckCustomFields(List<KeyValuePair<string, string>> customFields, HashSet<string> known, string where)
    {
        var unknown = string.Join(", ", customFields.Select(c => c.Key).Where(n => !known.Contains(n)));
        if (unknown.Length > 0)
        {
            throw Permanent($"custom field(s) {unknown} do not apply to {where} (RT would drop them silently); known: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
        }
    }

    // RT echoes the values it set ("SourceIP 10.0.0.1 changed to 10.0.0.2"), and event text such as
    // "Login failed" must not read as a failure: values sent are blanked out before the phrase search.
    private void CheckMessages(string response, string what, IEnumerable<string> sentValues)
    {
        var failures = ReportedFailures(response, sentValues);
        if (failures.Count > 0)
        {
            throw Permanent($"{what}: RT answered 2xx but reported: {_http.Scrubber.Scrub(string.Join(" | ", failures))}");
        }
    }

    /// <summary>The messages of a 2xx answer's message array that report a failure.</summary>
    internal static List<string> ReportedFailures(string response, IEnumerable<string> sentValues)
    {
        var values = sentValues.Where(v => v.Length > 0).OrderByDescending(v => v.Length).ToList();
        using var doc = JsonBody.TryParse(response);
        if (doc?.RootElement is not { ValueKind: JsonValueKind.Array } messages)
        {
            return [];
        }
        return messages.EnumerateArray()
            .Where(m => m.ValueKind == JsonValueKind.String)
            .Select(m => m.GetString()!)
            .Where(m => !SuccessShape().IsMatch(m) && FailurePhrase().IsMatch(WithoutValues(m, values)))
            .ToList();
    }

    private static string WithoutValues(string message, List<string> values)
    {
        foreach (var value in values)
        {
            message = message.Replace(value, "", StringComparison.Ordinal);
        }
        return message;
    }

    // RT's reports of a done change ("X changed from 'a' to 'b'", "X b added", "X a deleted"):
    // their old values come from earlier events and may contain any words.
    [GeneratedRegex(@" changed (from .* )?to |^(?!.*(isn't|is not) a valid).* (added|deleted)$")]
    private static partial Regex SuccessShape();

    // RT's failure texts (RT::Ticket, RT::Record, RT::CustomField): "isn't a valid status",
    // "Permission Denied", "Could not …", "Couldn't …", "Invalid value …", "Illegal value …".
    [GeneratedRegex(@"isn't a valid|is not a valid|permission denied|no permission|could not|couldn't|invalid|illegal|can't|cannot|failed", RegexOptions.IgnoreCase)]
    private static partial Regex FailurePhrase();

    private static List<KeyValuePair<string, string>> CustomFields(IReadOnlyDictionary<string, string> fields) =>
        fields.Where(f => f.Key.StartsWith(CfPrefix, StringComparison.Ordinal))
            .Select(f => KeyValuePair.Create(f.Key[CfPrefix.Length..], f.Value))
            .ToList();

    private static void WriteCustomFields(Utf8JsonWriter w, List<KeyValuePair<string, string>> customFields)
    {
        if (customFields.Count == 0)
        {
            return;
        }
        w.WriteStartObject("CustomFields");
        foreach (var (name, value) in customFields)
        {
            w.WriteString(name, value);
        }
        w.WriteEndObject();
    }

    private int? ParsePriority(IReadOnlyDictionary<string, string> fields)
    {
        if (!fields.TryGetValue("Priority", out var text))
        {
            return null;
        }
        return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p)
            ? p
            : throw Permanent($"Priority '{text}' is not an integer");
    }

    private void CheckNames(IReadOnlyDictionary<string, string> fields, HashSet<string> allowed)
    {
        var unknown = JsonBody.UnknownFields(fields.Keys, n => allowed.Contains(n) || (n.StartsWith(CfPrefix, StringComparison.Ordinal) && n.Length > CfPrefix.Length));
        if (unknown.Length > 0)
        {
            throw Permanent($"unknown Request Tracker field(s) {unknown}; use {string.Join(", ", allowed)} or CF.<name>");
        }
    }

    private TicketActionException Permanent(string message) => new($"{Name}: {message}", transient: false, attempts: 0);
}
