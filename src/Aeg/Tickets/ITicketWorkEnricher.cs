namespace Aeg.Tickets;

/// <summary>
/// Completes a job's rendered fields before it is sent, in the ticket worker (e.g. with the full ESM event
/// fetched by id); the receive path only renders what the event itself carries.
/// </summary>
public interface ITicketWorkEnricher
{
    /// <summary>The work to send: <paramref name="work"/> itself, or re-rendered with the fetched fields (same target and dedupe key).</summary>
    /// <exception cref="TicketEnrichmentUnavailableException">The source is unreachable now: the job stays in the outbox and runs again later.</exception>
    Task<TicketWork> PrepareAsync(TicketWork work, CancellationToken cancellationToken);
}

/// <summary>The enrichment source cannot be reached now (connection errors, 429, 5xx after retries); the message is free of secrets.</summary>
public sealed class TicketEnrichmentUnavailableException(string message) : Exception(message);
