using Aeg.Rules;
using Aeg.Tickets;
using Serilog;

namespace Aeg.Esm;

/// <summary>
/// The ticket worker's side of <c>enrich: esm</c>: re-reads the job's CEF event, fetches the full ESM event by the
/// rule's event-id fields (through a small cache) and renders the rule's action again with <c>{{esm.…}}</c> filled.
/// An unreachable ESM defers the job (it stays in the outbox); an unknown event renders the rule's defaults and
/// <c>esm.missingValue</c>.
/// </summary>
public sealed class EsmEnricher(IEsmEventSource events, Func<string, Rule?> ruleByName, string missingValue, string esmMissingValue, ILogger log)
    : ITicketWorkEnricher
{
    /// <inheritdoc/>
    public async Task<TicketWork> PrepareAsync(TicketWork work, CancellationToken cancellationToken)
    {
        if (ruleByName(work.RuleName) is not { Enrichment: { } enrichment } rule)
        {
            return work;
        }
        var cefEvent = CefEvent.Parse(work.RawEvent);
        if (enrichment.EventId(cefEvent) is not { } id)
        {
            log.Warning("Rule {Rule}: the event has no ESM event id in {Fields}; rendering without the ESM event", rule.Name,
                string.Join(", ", enrichment.EventIdFields));
            return Render(rule, cefEvent, work);
        }
        EsmEvent? esmEvent;
        try
        {
            esmEvent = await events.GetAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (EsmException ex) when (ex.Failure is EsmFailure.Unavailable or EsmFailure.Authentication)
        {
            // A wrong password is fixed in the config; until then the job waits rather than opening a ticket without its fields.
            throw new TicketEnrichmentUnavailableException($"ESM event {id}: {ex.Message}");
        }
        catch (EsmException ex)
        {
            log.Error("Rule {Rule}: fetching ESM event {EventId} failed ({Reason}); rendering without it", rule.Name, id, ex.Message);
            esmEvent = null;
        }
        if (esmEvent is null)
        {
            log.Warning("Rule {Rule}: ESM does not know event {EventId}; rendering without it", rule.Name, id);
        }
        cefEvent.Enrichment = esmEvent;
        return Render(rule, cefEvent, work);
    }

    private TicketWork Render(Rule rule, CefEvent cefEvent, TicketWork work)
    {
        // Same target and dedupe key as when it was queued: only the fields change.
        var rendered = CefRuleHandler.Render(rule, cefEvent, missingValue, work.ReceivedAt, esmMissingValue).FirstOrDefault(w => w.Target == work.Target);
        return rendered is null ? work : work with { OnCreate = rendered.OnCreate, OnUpdate = rendered.OnUpdate };
    }
}

/// <summary>Where enrichment gets ESM events: the Service Layer behind a cache.</summary>
public interface IEsmEventSource
{
    /// <summary>The event, or null when ESM does not know it; throws <see cref="EsmException"/> when ESM cannot answer.</summary>
    Task<EsmEvent?> GetAsync(long eventId, CancellationToken cancellationToken);
}

/// <summary>Fetches events through an <see cref="EsmClient"/>, keeping found ones in an <see cref="EsmEventCache"/>.</summary>
public sealed class CachedEsmEventSource(EsmClient client, EsmEventCache cache) : IEsmEventSource
{
    public EsmEventCache Cache { get; } = cache;

    public async Task<EsmEvent?> GetAsync(long eventId, CancellationToken cancellationToken)
    {
        if (Cache.Get(eventId) is { } cached)
        {
            return cached;
        }
        var fetched = await client.GetSecurityEventAsync(eventId, cancellationToken).ConfigureAwait(false);
        if (fetched is not null)
        {
            Cache.Put(eventId, fetched);
        }
        return fetched;
    }
}
