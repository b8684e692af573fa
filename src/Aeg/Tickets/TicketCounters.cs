namespace Aeg.Tickets;

/// <summary>What the ticket dispatcher did, for logs and metrics; safe to read while it runs.</summary>
public sealed class TicketCounters
{
    private long _created, _updated, _failed, _retried, _deadLettered, _skipped;

    /// <summary>Tickets created.</summary>
    public long Created => Interlocked.Read(ref _created);
    /// <summary>Existing tickets updated.</summary>
    public long Updated => Interlocked.Read(ref _updated);
    /// <summary>Work items done (created + updated).</summary>
    public long Ok => Created + Updated;
    /// <summary>Work items that failed (each one is dead-lettered).</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>HTTP attempts repeated after a transient failure.</summary>
    public long Retried => Interlocked.Read(ref _retried);
    /// <summary>Work items written to the dead-letter folder.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);
    /// <summary>Work items with nothing to do (no create fields for a new key, or no update fields for a known one).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    internal void AddCreated() => Interlocked.Increment(ref _created);
    internal void AddUpdated() => Interlocked.Increment(ref _updated);
    internal void AddFailed() => Interlocked.Increment(ref _failed);
    internal void AddRetried() => Interlocked.Increment(ref _retried);
    internal void AddDeadLettered() => Interlocked.Increment(ref _deadLettered);
    internal void AddSkipped() => Interlocked.Increment(ref _skipped);

    public override string ToString() =>
        $"created={Created} updated={Updated} failed={Failed} retried={Retried} deadLettered={DeadLettered} skipped={Skipped}";
}
