using System.Text.Json;
using System.Text.Json.Nodes;
using Aeg.Tickets;
using Serilog;

namespace Aeg.Esm.Cases;

/// <summary>
/// Writes a case's ticket back into the ESM case, as a job of its own in the ticket outbox (target
/// <see cref="Target"/>, the case's dedupe key), so a crash loses none: after the ticket's job is done, reads the case
/// (CaseService.getResourceById), sets <c>esm.cases.referenceField</c> (and <c>urlField</c>) and, when the ticket is
/// finished — its status (read from RT or Jira; a webhook or ExtraHop gives none) is one of <c>resolvedStatuses</c>, or
/// Jira puts it in the <c>done</c> category — the stage <c>esm.cases.closeStage</c>, and saves it with CaseService.update — only
/// when something differs. ESM failures follow the client's rules: retried inside the call, then a dead letter whose
/// reason names the call (never a secret); transient ones are marked so.
/// </summary>
public sealed class EsmCaseWriteBack(EsmClient client, EsmCaseOptions options, TicketOutbox outbox, IReadOnlyDictionary<string, ITicketAction> ticketActions, ILogger log)
    : ITicketAction
{
    /// <summary>The outbox target of write-back jobs (not a ticket system; the name cannot be one: tickets.systems names are checked against it).</summary>
    public const string Target = "esm-cases";

    private const string CaseField = "caseId", TicketTargetField = "ticketTarget", TicketKeyField = "ticketKey";

    /// <summary>Write-backs that changed the case.</summary>
    public int Updated => _updated;

    /// <summary>Write-backs that found the case as it should be.</summary>
    public int Unchanged => _unchanged;

    private int _updated, _unchanged;

    public string Name => Target;

    /// <summary>The write-back job of a case whose ticket is (target, key).</summary>
    public static TicketWork Job(string rule, string caseId, string ticketTarget, string ticketKey, string rawEvent, DateTimeOffset at)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [CaseField] = caseId,
            [TicketTargetField] = ticketTarget,
            [TicketKeyField] = ticketKey,
        };
        return new TicketWork(rule, Target, ticketKey, fields, fields, rawEvent, at);
    }

    /// <summary>The ticket (target, key) a write-back job is for, or null for another job.</summary>
    public static (string Target, string Key)? TicketOf(TicketWork work) =>
        work.Target == Target && (work.OnUpdate ?? work.OnCreate) is { } f && f.TryGetValue(TicketTargetField, out var t) && f.TryGetValue(TicketKeyField, out var k) ? (t, k) : null;

    public async Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        await WriteAsync(fields, cancellationToken).ConfigureAwait(false);
        return new TicketResult(EsmCasePoller.KeyPrefix + fields[CaseField]);
    }

    public Task UpdateAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken) => WriteAsync(fields, cancellationToken);

    private async Task WriteAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        if (!fields.TryGetValue(CaseField, out var caseId) || !fields.TryGetValue(TicketTargetField, out var target) || !fields.TryGetValue(TicketKeyField, out var key))
        {
            throw new TicketActionException($"{Target}: the job lacks {CaseField}/{TicketTargetField}/{TicketKeyField}", transient: false, attempts: 0);
        }
        if (outbox.Store.Find(target, key) is not { } ticket)
        {
            throw new TicketActionException($"{Target}: case {caseId} has no ticket in {target} (its ticket job failed: see aeg tickets dead)", transient: false, attempts: 0);
        }
        TicketStatus? status = null;
        if (ticketActions.GetValueOrDefault(target) is ITicketStatusSource source)
        {
            status = await source.StatusAsync(ticket.TicketRef, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var current = await client.GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
            if (Apply(current, target, ticket.TicketRef, status) is not { } changed)
            {
                Interlocked.Increment(ref _unchanged);
                log.Debug("ESM case {Case}: already refers to {Target} ticket {Ticket}", caseId, target, ticket.TicketRef);
                return;
            }
            await client.UpdateCaseAsync(changed, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _updated);
            log.Information("ESM case {Case}: wrote back {Target} ticket {Ticket} (status {Status})", caseId, target, ticket.TicketRef, status?.Name ?? "unknown");
        }
        catch (EsmException ex)
        {
            throw new TicketActionException($"{Target}: case {caseId}: {ex.Message}", ex.Transient, ex.StatusCode, ex.Attempts);
        }
    }

    /// <summary>The case with the ticket written in, or null when it already is as it should be.</summary>
    internal JsonElement? Apply(JsonElement current, string target, string ticketRef, TicketStatus? status)
    {
        var node = JsonNode.Parse(current.GetRawText())!.AsObject();
        var changed = Set(node, options.ReferenceField, Render(options.Reference, target, ticketRef));
        if (options.UrlField is { Length: > 0 } urlField && options.Url is { Length: > 0 } url)
        {
            changed |= Set(node, urlField, Render(url, target, Uri.EscapeDataString(ticketRef)));
        }
        if (options.CloseStage is { Length: > 0 } stage && status is not null
            && (status.Done || options.ResolvedStatuses.Any(s => string.Equals(s, status.Name, StringComparison.OrdinalIgnoreCase))))
        {
            changed |= Set(node, "stage", stage);
        }
        if (!changed)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(node.ToJsonString());
        return doc.RootElement.Clone();
    }

    private static bool Set(JsonObject node, string field, string value)
    {
        if (node[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == value)
        {
            return false;
        }
        node[field] = value;
        return true;
    }

    private static string Render(string template, string target, string ticket) =>
        template.Replace("{target}", target, StringComparison.Ordinal).Replace("{ticket}", ticket, StringComparison.Ordinal);
}

/// <summary>
/// The ticket worker's side of case jobs: a case's ticket job was rendered from the case by the poller and is sent as it
/// is (the <c>enrich: esm</c> enricher would look for an event id); a write-back job waits in the outbox (not a dead
/// letter) while its ticket's job is still pending, so it sees the ticket that job makes. Other jobs go to
/// <paramref name="inner"/> (the <c>enrich: esm</c> enricher, if any).
/// </summary>
public sealed class EsmCaseJobGate(TicketOutbox outbox, ITicketWorkEnricher? inner) : ITicketWorkEnricher
{
    public Task<TicketWork> PrepareAsync(TicketWork work, CancellationToken cancellationToken)
    {
        if (work.DedupeKey.StartsWith(EsmCasePoller.KeyPrefix, StringComparison.Ordinal) && work.Target != EsmCaseWriteBack.Target)
        {
            return Task.FromResult(work);
        }
        if (EsmCaseWriteBack.TicketOf(work) is { } ticket)
        {
            if (outbox.HasPendingJob(ticket.Target, ticket.Key))
            {
                throw new TicketEnrichmentUnavailableException($"the ticket job of {ticket.Key} in {ticket.Target} runs first");
            }
            return Task.FromResult(work);
        }
        return inner?.PrepareAsync(work, cancellationToken) ?? Task.FromResult(work);
    }
}
