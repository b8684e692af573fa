using System.Globalization;
using System.Text.Json;

namespace Aeg.Tickets;

/// <summary>Request Tracker's ticket status, read with GET /REST/2.0/ticket/{id}.</summary>
public sealed partial class RtTicketAction : ITicketStatusSource
{
    /// <inheritdoc/>
    public async Task<TicketStatus?> StatusAsync(string ticketRef, CancellationToken cancellationToken)
    {
        if (!int.TryParse(ticketRef, NumberStyles.None, CultureInfo.InvariantCulture, out var ticketId))
        {
            throw Permanent($"'{ticketRef}' is not an RT ticket number");
        }
        var uri = new Uri(_api, $"ticket/{ticketId}");
        var (_, body) = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), $"read ticket {ticketId}", cancellationToken).ConfigureAwait(false);
        using var doc = JsonBody.TryParse(body);
        // RT has no "done" category of its own: esm.cases.resolvedStatuses names the finished statuses.
        return doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("Status", out var status) && status.ValueKind == JsonValueKind.String
            && status.GetString() is { Length: > 0 } name ? new TicketStatus(name, Done: false) : null;
    }
}
