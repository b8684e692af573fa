using System.Data.Common;
using System.Threading.Channels;
using Aeg.Configuration;
using Serilog;

namespace Aeg.Tickets;

/// <summary>What became of one work item.</summary>
public enum DispatchOutcome
{
    Created,
    Updated,
    Skipped,
    Failed,
    /// <summary>Not run now (its key is held by another worker or process, or shutdown came first); it stays in the outbox.</summary>
    Deferred,
}

/// <summary>
/// Carries out <see cref="TicketWork"/> through the durable <see cref="TicketOutbox"/>: queued work
/// is committed as jobs first, then workers claim jobs, take the dedupe key's claim, create or
/// update the ticket through the target's <see cref="ITicketAction"/>, and record the outcome —
/// or make the job a dead letter in the outbox at once when its retries are exhausted.
/// </summary>
/// <remarks>
/// Jobs of one (target, dedupe key) run one at a time and in order (the outbox hands out only a
/// key's oldest pending job); different keys run on up to <c>workers</c> at once. Stopping: when
/// the queue's reader completes, <see cref="RunAsync"/> finishes every pending job and returns
/// (drain). When <c>stop</c> is cancelled, queued work is still committed, in-flight requests are
/// cancelled and their jobs go back to pending: the next start resumes them. After <c>kill -9</c>
/// the same happens once this host's dead holder is noticed (at start) or its lease expires.
/// </remarks>
public sealed partial class TicketDispatcher
{
    private const int MaxBatch = 1000;
    private static readonly TimeSpan KeyBusyDelay = TimeSpan.FromMilliseconds(200);
    private readonly Dictionary<string, ITicketAction> _actions;
    private readonly SecretScrubber _scrubber;
    private readonly ILogger _log;
    private readonly int _workers;
    private readonly SemaphoreSlim _wake = new(0);

    public TicketDispatcher(IReadOnlyDictionary<string, ITicketAction> actions, TicketOutbox outbox,
        SecretScrubber scrubber, ILogger log, TicketCounters counters, int workers = 4)
    {
        _actions = new Dictionary<string, ITicketAction>(actions, StringComparer.Ordinal);
        Outbox = outbox;
        _scrubber = scrubber;
        _log = log;
        Counters = counters;
        _workers = Math.Max(1, workers);
    }

    public TicketCounters Counters { get; }

    /// <summary>The durable store of jobs, key claims, dead letters and the dedupe mapping.</summary>
    public TicketOutbox Outbox { get; }

    /// <summary>How often the outbox is looked at without a wake-up (jobs from other processes, expired leases, deferred jobs).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Adds a sink that is not a configured ticket system (ESM active lists); before <see cref="RunAsync"/>.</summary>
    public void Register(ITicketAction action) => _actions[action.Name] = action;

    /// <summary>Completes jobs before they are sent (the ESM enrichment of <c>enrich: esm</c> rules); null: jobs are sent as rendered.</summary>
    public ITicketWorkEnricher? Enricher { get; set; }

    /// <summary>Longest wait before a job whose enrichment source was unreachable runs again.</summary>
    public TimeSpan MaxEnrichmentDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest a job waits between looks for the ticket of an earlier action it links to (<c>{{ticket.…}}</c>).</summary>
    public TimeSpan MaxLinkWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Done jobs older than this are deleted at start and hourly.</summary>
    public TimeSpan KeepDone { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Commits one work item as a job and runs it now (waiting for its key if another holder has it).</summary>
    public async Task<(DispatchOutcome Outcome, string? Error)> ProcessAsync(TicketWork work, CancellationToken cancellationToken)
    {
        var id = Outbox.Add([work])[0];
        Counters.AddAccepted(1);
        var job = Outbox.ClaimById(id, "pending") ?? throw new InvalidOperationException($"ticket job {id} was claimed by another process");
        return await RunJobAsync(job, cancellationToken, Outbox.Lease * 2).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one claimed job: takes its key's claim (waiting up to <paramref name="waitForKey"/>), creates or updates,
    /// records the outcome; a failure makes (or keeps) it a dead letter; cancellation gives it back as pending.
    /// </summary>
    public async Task<(DispatchOutcome Outcome, string? Error)> RunJobAsync(OutboxJob job, CancellationToken cancellationToken, TimeSpan? waitForKey = null)
    {
        var work = job.Work;
        if (!_actions.TryGetValue(work.Target, out var action))
        {
            return Fail(job, "create", null, $"no ticket system named '{work.Target}' in tickets.systems", false, 0);
        }
        if (Enricher is { } enricher)
        {
            try
            {
                work = await enricher.PrepareAsync(work, cancellationToken).ConfigureAwait(false);
            }
            catch (TicketEnrichmentUnavailableException ex)
            {
                // Never dropped, never a dead letter for an outage: the job waits in the outbox (its key's later jobs behind it).
                var delay = TimeSpan.FromSeconds(Math.Min(MaxEnrichmentDelay.TotalSeconds, Math.Pow(2, Math.Min(job.Runs, 20))));
                Outbox.Release(job.Id, delay);
                _log.Warning("Rule {Rule}: job {Job} for key {Key} waits {Delay} in the outbox: {Reason}", work.RuleName, job.Id, work.DedupeKey, delay, _scrubber.Scrub(ex.Message));
                return (DispatchOutcome.Deferred, _scrubber.Scrub(ex.Message));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Outbox.Release(job.Id, TimeSpan.Zero);
                return (DispatchOutcome.Deferred, "shutdown while enriching");
            }
        }
        if (TicketLinks.Targets(work) is { Count: > 0 } linked)
        {
            var (filled, early) = FillLinks(job, work, linked);
            if (filled is null)
            {
                return early;
            }
            work = filled;
        }
        KeyClaim claim;
        try
        {
            claim = waitForKey is { } wait
                ? await Outbox.Keys.ClaimAsync(work.Target, work.DedupeKey, TimeSpan.FromMilliseconds(100), wait, cancellationToken).ConfigureAwait(false)
                : Outbox.Keys.TryClaim(work.Target, work.DedupeKey);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            claim = default;
        }
        catch (DbException ex)
        {
            // The store failed: the job stays pending under its lease, which expires if nobody can give it back.
            _log.Error("Rule {Rule}: cannot claim key {Key} in the outbox: {Reason}; the job stays pending", work.RuleName, work.DedupeKey, ex.Message);
            TryRelease(job.Id);
            return (DispatchOutcome.Deferred, "outbox unavailable");
        }
        if (!claim.Taken)
        {
            TryRelease(job.Id, KeyBusyDelay);
            return (DispatchOutcome.Deferred, $"key {work.DedupeKey} is being worked on by another worker or process");
        }
        var completed = false;
        var operation = "create";
        string? ticketRef = null;
        try
        {
            var existing = Outbox.Store.Find(work.Target, work.DedupeKey);
            if (existing is null)
            {
                if (work.OnCreate is null)
                {
                    (completed, ticketRef) = (Complete(job, DispatchOutcome.Skipped, null), null);
                    _log.Debug("Rule {Rule}: no ticket for key {Key} in {Target} and nothing to create", work.RuleName, work.DedupeKey, work.Target);
                    return (DispatchOutcome.Skipped, null);
                }
                var idempotencyKey = TicketIdempotency.Key(work.Target, work.DedupeKey);
                if (claim.CreateSentAt is { } sentAt &&
                    await action.FindCreatedAsync(work.OnCreate, idempotencyKey, sentAt, cancellationToken).ConfigureAwait(false) is { } found)
                {
                    completed = Complete(job, DispatchOutcome.Created, found.TicketRef);
                    _log.Information("Rule {Rule}: found ticket {Ticket} in {Target} for key {Key}, created by a create sent at {SentAt} whose answer was lost; not creating another",
                        work.RuleName, found.TicketRef, work.Target, work.DedupeKey, sentAt);
                    return (DispatchOutcome.Created, null);
                }
                _log.Debug("Rule {Rule}: no ticket yet for key {Key}; creating one in {Target}", work.RuleName, work.DedupeKey, work.Target);
                Outbox.Keys.MarkCreateSent(work.Target, work.DedupeKey);
                var result = await action.CreateAsync(work.OnCreate, idempotencyKey, cancellationToken).ConfigureAwait(false);
                completed = Complete(job, DispatchOutcome.Created, result.TicketRef);
                _log.Information("Rule {Rule}: created ticket {Ticket} in {Target} for key {Key}", work.RuleName, result.TicketRef, work.Target, work.DedupeKey);
                WarnUnstored(work, result.TicketRef, result.Unstored);
                return (DispatchOutcome.Created, null);
            }
            operation = "update";
            ticketRef = existing.TicketRef;
            var reopened = work.Reopen && await action.ReopenIfResolvedAsync(existing.TicketRef, cancellationToken).ConfigureAwait(false);
            if (reopened)
            {
                _log.Information("Rule {Rule}: reopened resolved ticket {Ticket} in {Target} for key {Key}", work.RuleName, existing.TicketRef, work.Target, work.DedupeKey);
            }
            if (work.UpdateFields is not { } updateFields)
            {
                if (reopened)
                {
                    completed = Complete(job, DispatchOutcome.Updated, existing.TicketRef);
                    return (DispatchOutcome.Updated, null);
                }
                completed = Complete(job, DispatchOutcome.Skipped, existing.TicketRef);
                _log.Debug("Rule {Rule}: ticket {Ticket} in {Target} exists and the rule updates nothing", work.RuleName, existing.TicketRef, work.Target);
                return (DispatchOutcome.Skipped, null);
            }
            _log.Debug("Rule {Rule}: updating ticket {Ticket} in {Target}", work.RuleName, existing.TicketRef, work.Target);
            var unstored = await action.UpdateCheckedAsync(existing.TicketRef, updateFields, cancellationToken).ConfigureAwait(false);
            completed = Complete(job, DispatchOutcome.Updated, existing.TicketRef);
            _log.Information("Rule {Rule}: updated ticket {Ticket} in {Target} for key {Key}", work.RuleName, existing.TicketRef, work.Target, work.DedupeKey);
            WarnUnstored(work, existing.TicketRef, unstored);
            return (DispatchOutcome.Updated, null);
        }
        catch (TicketActionException ex)
        {
            return Fail(job, operation, ticketRef, ex.Message, ex.Transient, ex.Attempts);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Back to pending: the next start (or another worker) runs it again; a create sent meanwhile is found first.
            TryRelease(job.Id);
            _log.Information("Rule {Rule}: {Operation} in {Target} for key {Key} interrupted by shutdown; the job stays in the outbox", work.RuleName, operation, work.Target, work.DedupeKey);
            return (DispatchOutcome.Deferred, "shutdown while sending");
        }
        catch (DbException ex)
        {
            // The store failed (a shared database went away): the outcome is unknown to it, so the job stays
            // pending — never a dead letter for a ticket that may exist. Its next run finds a create through the request-sent mark.
            _log.Error("Rule {Rule}: {Operation} in {Target} for key {Key}: the outbox failed ({Reason}); the job stays pending and runs again",
                work.RuleName, operation, work.Target, work.DedupeKey, _scrubber.Scrub(ex.Message));
            TryRelease(job.Id);
            return (DispatchOutcome.Deferred, "outbox unavailable");
        }
        catch (Exception ex)
        {
            // Not a ticket-system answer (the store, a bug): still nothing is lost, and the text is scrubbed.
            return Fail(job, operation, ticketRef, $"{ex.GetType().Name}: {ex.Message}", true, 0);
        }
        finally
        {
            if (completed)
            {
                Outbox.Keys.Forget(work.Target, work.DedupeKey);
            }
            else
            {
                try
                {
                    Outbox.Keys.Release(work.Target, work.DedupeKey);
                }
                catch (DbException ex)
                {
                    // The key's lease runs out instead.
                    _log.Error("Ticket outbox: cannot free key {Key}: {Reason}", work.DedupeKey, ex.Message);
                }
            }
            _wake.Release();
        }
    }

    // A later action of a rule links to the ticket an earlier one made for the same key: that job runs first (lower id,
    // other target), so this one waits while it is pending, and is a dead letter, with the reason, once it made none.
    private (TicketWork? Filled, (DispatchOutcome, string?) Early) FillLinks(OutboxJob job, TicketWork work, IReadOnlyList<string> linked)
    {
        TicketLinks.Lookup found;
        try
        {
            found = TicketLinks.Find(Outbox, _actions, job.Id, work, linked);
        }
        catch (DbException ex)
        {
            _log.Error("Rule {Rule}: cannot read the linked tickets of key {Key} from the outbox: {Reason}; the job stays pending", work.RuleName, work.DedupeKey, ex.Message);
            TryRelease(job.Id);
            return (null, (DispatchOutcome.Deferred, "outbox unavailable"));
        }
        if (found.Pending is { } pending)
        {
            var delay = TimeSpan.FromMilliseconds(Math.Min(MaxLinkWait.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(job.Runs, 10))));
            TryRelease(job.Id, delay);
            _log.Debug("Rule {Rule}: job {Job} for key {Key} waits {Delay} for the {Linked} ticket it links to", work.RuleName, job.Id, work.DedupeKey, delay, pending);
            return (null, (DispatchOutcome.Deferred, $"waiting for the {pending} ticket of key {work.DedupeKey}"));
        }
        if (found.Missing is { } missing)
        {
            return (null, Fail(job, "link", null,
                $"{{{{ticket.{missing}.…}}}}: there is no {missing} ticket for key {work.DedupeKey} (the rule's {missing} action made none: see its dead letter); retry this job once it exists",
                false, 0));
        }
        return (TicketLinks.Fill(work, found.Tickets!), default);
    }

    // The ticket is made and the job done; what the system silently dropped is said once, with rule and key.
    private void WarnUnstored(TicketWork work, string ticketRef, IReadOnlyList<UnstoredField> unstored)
    {
        foreach (var field in unstored)
        {
            _log.Warning("Rule {Rule}: key {Key}: ticket {Ticket} in {Target} did not store field {Field}: sent {Sent}, the ticket holds {Stored}",
                work.RuleName, work.DedupeKey, ticketRef, work.Target, field.Field, field.Sent, field.Stored);
        }
    }

    // Giving a job back is an optimisation: if the store fails, its lease expires and it is claimed again.
    private void TryRelease(long id, TimeSpan delay = default)
    {
        try
        {
            Outbox.Release(id, delay);
        }
        catch (DbException ex)
        {
            _log.Error("Ticket outbox: cannot give job {Job} back ({Reason}); it returns when its lease expires", id, ex.Message);
        }
    }

    private bool Complete(OutboxJob job, DispatchOutcome outcome, string? ticketRef)
    {
        Outbox.Complete(job, outcome, ticketRef);
        switch (outcome)
        {
            case DispatchOutcome.Created:
                Counters.AddCreated();
                break;
            case DispatchOutcome.Updated:
                Counters.AddUpdated();
                break;
            default:
                Counters.AddSkipped();
                break;
        }
        return true;
    }

    private (DispatchOutcome, string?) Fail(OutboxJob job, string operation, string? ticketRef, string error, bool transient, int attempts)
    {
        var work = job.Work;
        error = _scrubber.Scrub(error);
        Counters.AddFailed();
        _log.Error("Rule {Rule}: {Operation} in {Target} for key {Key} failed: {Error}", work.RuleName, operation, work.Target, work.DedupeKey, error);
        try
        {
            Outbox.DeadLetter(job.Id, ticketRef is null ? operation : $"{operation} {ticketRef}", error, transient, attempts);
            Counters.AddDeadLettered();
            _log.Warning("Rule {Rule}: {Operation} for key {Key} is dead letter {Job} in the outbox", work.RuleName, operation, work.DedupeKey, job.Id);
        }
        catch (DbException ex)
        {
            // The job is still pending in the file (or will be, once its lease expires): it is retried, not lost.
            _log.Error("Rule {Rule}: cannot record dead letter {Job} for key {Key}: {Reason}; the job stays pending", work.RuleName, job.Id, work.DedupeKey, ex.Message);
        }
        return (DispatchOutcome.Failed, error);
    }
}
