using System.Threading.Channels;
using Serilog;

namespace Aeg.Tickets;

/// <summary>What became of one work item.</summary>
public enum DispatchOutcome { Created, Updated, Skipped, Failed }

/// <summary>
/// Carries out <see cref="TicketWork"/>: looks the dedupe key up in the <see cref="TicketStore"/>,
/// creates or updates the ticket through the target's <see cref="ITicketAction"/>, records the
/// result, and writes failures to the dead-letter folder.
/// </summary>
/// <remarks>
/// Work is spread over <c>workers</c> serial lanes by (target, dedupe key), so two quick events with
/// the same key never race to create two tickets, while different keys proceed in parallel.
/// Stopping: when the queue's writer completes, <see cref="RunAsync"/> finishes everything queued
/// and returns (drain). When <c>stop</c> is cancelled (the host does so after
/// <c>tickets.drainTimeout</c>), in-flight requests are cancelled and every item not yet done —
/// in flight, in a lane, or still in the queue — is written to the dead-letter folder, so nothing
/// is lost; <c>aeg tickets retry</c> sends it later.
/// </remarks>
public sealed class TicketDispatcher
{
    private const int LaneCapacity = 64;
    private readonly IReadOnlyDictionary<string, ITicketAction> _actions;
    private readonly TicketStore _store;
    private readonly DeadLetterStore _deadLetters;
    private readonly SecretScrubber _scrubber;
    private readonly ILogger _log;
    private readonly int _workers;
    private readonly TimeProvider _time;

    public TicketDispatcher(IReadOnlyDictionary<string, ITicketAction> actions, TicketStore store, DeadLetterStore deadLetters,
        SecretScrubber scrubber, ILogger log, TicketCounters counters, int workers = 4, TimeProvider? time = null)
    {
        _actions = actions;
        _store = store;
        _deadLetters = deadLetters;
        _scrubber = scrubber;
        _log = log;
        Counters = counters;
        _workers = Math.Max(1, workers);
        _time = time ?? TimeProvider.System;
    }

    public TicketCounters Counters { get; }

    /// <summary>Dispatches until <paramref name="reader"/> completes (drained) or <paramref name="stop"/> is cancelled (rest dead-lettered).</summary>
    public async Task RunAsync(ChannelReader<TicketWork> reader, CancellationToken stop)
    {
        var lanes = Enumerable.Range(0, _workers)
            .Select(_ => Channel.CreateBounded<TicketWork>(new BoundedChannelOptions(LaneCapacity) { SingleReader = true, SingleWriter = true }))
            .ToArray();
        var workers = lanes.Select(lane => Task.Run(() => WorkAsync(lane.Reader, stop), CancellationToken.None)).ToArray();
        try
        {
            while (await WaitToReadAsync(reader, stop).ConfigureAwait(false))
            {
                while (reader.TryRead(out var work))
                {
                    var lane = lanes[Lane(work)];
                    try
                    {
                        await lane.Writer.WriteAsync(work, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        DeadLetter(work, "queued", null, "shutdown before the work was sent", transient: true, attempts: 0);
                        throw;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var lane in lanes)
            {
                lane.Writer.TryComplete();
            }
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        if (stop.IsCancellationRequested)
        {
            while (reader.TryRead(out var work))
            {
                DeadLetter(work, "queued", null, "shutdown before the work was sent", transient: true, attempts: 0);
            }
        }
        _log.Information("Ticket dispatcher stopped: {Counters}", Counters);
    }

    private static async Task<bool> WaitToReadAsync(ChannelReader<TicketWork> reader, CancellationToken stop) =>
        await reader.WaitToReadAsync(stop).ConfigureAwait(false);

    private int Lane(TicketWork work) => (int)((uint)HashCode.Combine(work.Target, work.DedupeKey) % (uint)_workers);

    private async Task WorkAsync(ChannelReader<TicketWork> lane, CancellationToken stop)
    {
        await foreach (var work in lane.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (stop.IsCancellationRequested)
            {
                DeadLetter(work, "queued", null, "shutdown before the work was sent", transient: true, attempts: 0);
                continue;
            }
            await ProcessAsync(work, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Creates or updates the ticket for one work item; failures are dead-lettered when <paramref name="deadLetterOnFailure"/>.</summary>
    public async Task<(DispatchOutcome Outcome, string? Error)> ProcessAsync(TicketWork work, CancellationToken cancellationToken, bool deadLetterOnFailure = true)
    {
        var operation = "create";
        string? ticketRef = null;
        try
        {
            if (!_actions.TryGetValue(work.Target, out var action))
            {
                return Fail(work, operation, null, $"no ticket system named '{work.Target}' in tickets.systems", false, 0, deadLetterOnFailure);
            }
            var existing = _store.Find(work.Target, work.DedupeKey);
            if (existing is null)
            {
                if (work.OnCreate is null)
                {
                    Counters.AddSkipped();
                    _log.Debug("Rule {Rule}: no ticket for key {Key} in {Target} and nothing to create", work.RuleName, work.DedupeKey, work.Target);
                    return (DispatchOutcome.Skipped, null);
                }
                _log.Debug("Rule {Rule}: no ticket yet for key {Key}; creating one in {Target}", work.RuleName, work.DedupeKey, work.Target);
                var result = await action.CreateAsync(work.OnCreate, cancellationToken).ConfigureAwait(false);
                _store.RecordCreated(work.Target, work.DedupeKey, result.TicketRef, work.RuleName, _time.GetUtcNow());
                Counters.AddCreated();
                _log.Information("Rule {Rule}: created ticket {Ticket} in {Target} for key {Key}", work.RuleName, result.TicketRef, work.Target, work.DedupeKey);
                return (DispatchOutcome.Created, null);
            }
            operation = "update";
            ticketRef = existing.TicketRef;
            if (work.OnUpdate is null)
            {
                Counters.AddSkipped();
                _log.Debug("Rule {Rule}: ticket {Ticket} in {Target} exists and the rule updates nothing", work.RuleName, existing.TicketRef, work.Target);
                return (DispatchOutcome.Skipped, null);
            }
            _log.Debug("Rule {Rule}: updating ticket {Ticket} in {Target}", work.RuleName, existing.TicketRef, work.Target);
            await action.UpdateAsync(existing.TicketRef, work.OnUpdate, cancellationToken).ConfigureAwait(false);
            _store.RecordUpdated(work.Target, work.DedupeKey, _time.GetUtcNow());
            Counters.AddUpdated();
            _log.Information("Rule {Rule}: updated ticket {Ticket} in {Target} for key {Key}", work.RuleName, existing.TicketRef, work.Target, work.DedupeKey);
            return (DispatchOutcome.Updated, null);
        }
        catch (TicketActionException ex)
        {
            return Fail(work, operation, ticketRef, ex.Message, ex.Transient, ex.Attempts, deadLetterOnFailure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(work, operation, ticketRef, "shutdown while sending (the ticket system may have received it)", true, 0, deadLetterOnFailure);
        }
        catch (Exception ex)
        {
            // Not a ticket-system answer (the store, a bug): still nothing is lost, and the text is scrubbed.
            return Fail(work, operation, ticketRef, $"{ex.GetType().Name}: {ex.Message}", true, 0, deadLetterOnFailure);
        }
    }

    private (DispatchOutcome, string?) Fail(TicketWork work, string operation, string? ticketRef, string error, bool transient, int attempts, bool deadLetter)
    {
        error = _scrubber.Scrub(error);
        Counters.AddFailed();
        _log.Error("Rule {Rule}: {Operation} in {Target} for key {Key} failed: {Error}", work.RuleName, operation, work.Target, work.DedupeKey, error);
        if (deadLetter)
        {
            DeadLetter(work, operation, ticketRef, error, transient, attempts);
        }
        return (DispatchOutcome.Failed, error);
    }

    private void DeadLetter(TicketWork work, string operation, string? ticketRef, string error, bool transient, int attempts)
    {
        var letter = new DeadLetter(work.RuleName, work.Target, work.DedupeKey, work.OnCreate, work.OnUpdate, work.RawEvent,
            work.ReceivedAt, _time.GetUtcNow(), ticketRef is null ? operation : $"{operation} {ticketRef}", _scrubber.Scrub(error), transient, attempts);
        try
        {
            var file = _deadLetters.Write(letter);
            Counters.AddDeadLettered();
            _log.Warning("Rule {Rule}: {Operation} for key {Key} written to dead letter {File}", work.RuleName, operation, work.DedupeKey, file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The last place to keep it failed: say so loudly with everything needed to redo it by hand.
            _log.Fatal("Rule {Rule}: LOST ticket work for key {Key} in {Target}: cannot write dead letter to {Directory}: {Reason}",
                work.RuleName, work.DedupeKey, work.Target, _deadLetters.Directory, ex.Message);
        }
    }
}
