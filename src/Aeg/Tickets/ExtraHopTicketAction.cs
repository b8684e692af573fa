namespace Aeg.Tickets;

/// <summary>
/// ExtraHop Reveal(x): links a detection to a ticket and tracks its state with
/// PATCH /api/v1/detections/{id} (ticket_id, status, assignee, resolution).
/// </summary>
/// <remarks>ExtraHop has no tickets of its own to create: "create" patches the detection named by
/// the <c>detectionId</c> field and remembers that id; later updates patch the same detection.</remarks>
public sealed class ExtraHopTicketAction : ITicketAction
{
    private static readonly string[] PatchFields = ["ticket_id", "status", "assignee", "resolution"];
    private readonly TicketHttp _http;
    private readonly Uri _api;

    public ExtraHopTicketAction(TicketHttp http, Uri baseUrl)
    {
        _http = http;
        _api = new Uri(baseUrl.ToString().TrimEnd('/') + "/api/v1/");
    }

    public string Name => _http.Name;

    public async Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        if (!fields.TryGetValue("detectionId", out var id) || !long.TryParse(id, out _))
        {
            throw Permanent("needs a numeric detectionId field");
        }
        await PatchAsync(id, fields, cancellationToken).ConfigureAwait(false);
        return new TicketResult(id);
    }

    public Task UpdateAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken) =>
        PatchAsync(ticketRef, fields, cancellationToken);

    private async Task PatchAsync(string detectionId, IReadOnlyDictionary<string, string> fields, CancellationToken ct)
    {
        var unknown = JsonBody.UnknownFields(fields.Keys, n => n == "detectionId" || PatchFields.Contains(n));
        if (unknown.Length > 0)
        {
            throw Permanent($"unknown ExtraHop field(s) {unknown}; use detectionId, {string.Join(", ", PatchFields)}");
        }
        if (!long.TryParse(detectionId, out _))
        {
            throw Permanent($"'{detectionId}' is not a detection id");
        }
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            foreach (var name in PatchFields)
            {
                if (fields.TryGetValue(name, out var value))
                {
                    w.WriteString(name, value);
                }
            }
            w.WriteEndObject();
        });
        await _http.SendAsync(() => JsonBody.Request(HttpMethod.Patch, new Uri(_api, $"detections/{detectionId}"), body), $"patch detection {detectionId}", ct).ConfigureAwait(false);
    }

    private TicketActionException Permanent(string message) => new($"{Name}: {message}", transient: false, attempts: 0);
}
