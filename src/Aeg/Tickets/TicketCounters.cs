using Aeg.Metrics;

namespace Aeg.Tickets;

/// <summary>What the ticket dispatcher did, for logs and metrics; safe to read while it runs.</summary>
public sealed class TicketCounters
{
    private AtomicCounter _accepted, _created, _updated, _failed, _retried, _deadLettered, _skipped;

    /// <summary>Work items committed to the outbox as jobs.</summary>
    public long Accepted => _accepted.Value;
    /// <summary>Tickets created.</summary>
    public long Created => _created.Value;
    /// <summary>Existing tickets updated.</summary>
    public long Updated => _updated.Value;
    /// <summary>Work items done (created + updated).</summary>
    public long Ok => Created + Updated;
    /// <summary>Work items that failed (each one is a dead letter in the outbox).</summary>
    public long Failed => _failed.Value;
    /// <summary>HTTP attempts repeated after a transient failure.</summary>
    public long Retried => _retried.Value;
    /// <summary>Work items made (or, replayed, kept) dead letters.</summary>
    public long DeadLettered => _deadLettered.Value;
    /// <summary>Work items with nothing to do (no create fields for a new key, or no update fields for a known one).</summary>
    public long Skipped => _skipped.Value;

    internal void AddAccepted(int count) => _accepted.Add(count);
    internal void AddCreated() => _created.Increment();
    internal void AddUpdated() => _updated.Increment();
    internal void AddFailed() => _failed.Increment();
    internal void AddRetried() => _retried.Increment();
    internal void AddDeadLettered() => _deadLettered.Increment();
    internal void AddSkipped() => _skipped.Increment();

    public override string ToString() =>
        $"accepted={Accepted} created={Created} updated={Updated} failed={Failed} retried={Retried} deadLettered={DeadLettered} skipped={Skipped}";
}
