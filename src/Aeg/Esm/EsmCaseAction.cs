using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aeg.Tickets;

namespace Aeg.Esm;

/// <summary>
/// The sink of <c>esmCase</c> rule actions: the first job of a key creates the case in its group
/// (CaseService.insertResource with the event attached), later jobs write its fields (getResourceById + update).
/// A create that may have reached ESM before a crash finds the case by group and name
/// (GroupService.getChildIDByChildNameOrAlias) instead of making a second one.
/// </summary>
public sealed class EsmCaseAction(EsmClient client) : ITicketAction
{
    public string Name => EsmCaseWork.TargetName;

    /// <summary>Creates the case (or finds the one a crashed attempt made) and returns its resource id.</summary>
    public async Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        var group = Required(fields, EsmCaseWork.GroupField);
        var name = Required(fields, EsmCaseWork.NameField);
        try
        {
            var groupId = await client.ResolveGroupIdAsync(group, cancellationToken).ConfigureAwait(false);
            if (await client.FindChildIdAsync(groupId, name, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                await WriteFieldsAsync(existing, fields, cancellationToken).ConfigureAwait(false);
                return new TicketResult(existing);
            }
            var resource = new JsonObject { ["name"] = name };
            if (fields.GetValueOrDefault(EsmCaseWork.EventIdField) is { Length: > 0 } eventText)
            {
                if (!long.TryParse(eventText, NumberStyles.None, CultureInfo.InvariantCulture, out var eventId))
                {
                    throw new TicketActionException($"{Name}: eventId '{eventText}' is not an ESM event id", transient: false, attempts: 0);
                }
                resource["eventIDs"] = new JsonArray(eventId);
            }
            foreach (var (field, value) in Attributes(fields))
            {
                resource[field] = value;
            }
            return new TicketResult(await client.InsertCaseAsync(groupId, resource, cancellationToken).ConfigureAwait(false));
        }
        catch (EsmException ex)
        {
            throw Failed("create", $"{group}/{name}", ex);
        }
    }

    /// <summary>Writes the job's case attributes into the case (nothing is sent when they are already as written).</summary>
    public async Task UpdateAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        try
        {
            await WriteFieldsAsync(ticketRef, fields, cancellationToken).ConfigureAwait(false);
        }
        catch (EsmException ex)
        {
            throw Failed("update", ticketRef, ex);
        }
    }

    private async Task WriteFieldsAsync(string caseId, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        var attributes = Attributes(fields).ToList();
        if (attributes.Count == 0)
        {
            return;
        }
        var current = await client.GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        var node = JsonNode.Parse(current.GetRawText())!.AsObject();
        var changed = false;
        foreach (var (field, value) in attributes)
        {
            if (node[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == value)
            {
                continue;
            }
            node[field] = value;
            changed = true;
        }
        if (changed)
        {
            using var doc = JsonDocument.Parse(node.ToJsonString());
            await client.UpdateCaseAsync(doc.RootElement, cancellationToken).ConfigureAwait(false);
        }
    }

    private static IEnumerable<(string Field, string Value)> Attributes(IReadOnlyDictionary<string, string> fields) =>
        fields.Where(f => f.Key.StartsWith(EsmCaseWork.FieldPrefix, StringComparison.Ordinal))
            .Select(f => (f.Key[EsmCaseWork.FieldPrefix.Length..], f.Value))
            .OrderBy(f => f.Item1, StringComparer.Ordinal);

    private string Required(IReadOnlyDictionary<string, string> fields, string field) =>
        fields.GetValueOrDefault(field) is { Length: > 0 } value
            ? value
            : throw new TicketActionException($"{Name}: the work has no {field}", transient: false, attempts: 0);

    // An outage comes back through the outbox's retry of transient failures; a refusal (unknown group, bad attribute) is a dead letter.
    private TicketActionException Failed(string op, string what, EsmException ex) =>
        new($"{Name} {op} of case {what}: {ex.Message}", ex.Transient, ex.StatusCode, Math.Max(1, ex.Attempts));
}
