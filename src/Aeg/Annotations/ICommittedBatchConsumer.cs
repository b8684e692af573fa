using Aeg.State;

namespace Aeg.Annotations;

/// <summary>Rows the poller has committed: sent, and flushed to the syslog transport.</summary>
/// <param name="Rows">The rows; valid only during the call, as the poller reuses them.</param>
/// <param name="Count">How many of <paramref name="Rows"/> belong to the batch.</param>
/// <param name="From">The cursor the rows follow in keyset order; null for late rows, which lie behind the cursor.</param>
/// <param name="UpTo">The cursor once the batch is committed.</param>
/// <param name="Full">The batch had <c>poller.batchSize</c> rows, so more follow at once (a backlog).</param>
public readonly record struct CommittedBatch(IReadOnlyList<AnnotationRow> Rows, int Count, AnnotationCursor? From, AnnotationCursor UpTo, bool Full);

/// <summary>
/// Follows what the poller commits; analyst metrics are one. The poller knows nothing else of
/// its consumer, and a consumer must never stop annotation events from flowing: it does not throw.
/// </summary>
public interface ICommittedBatchConsumer
{
    /// <summary>The poller's cursor once loaded, before any batch.</summary>
    void Start(AnnotationCursor cursor);

    /// <summary>A batch is on the wire; called before the poller saves its cursor.</summary>
    void Committed(in CommittedBatch batch);

    /// <summary>
    /// The end of a poll cycle with the cursor at <paramref name="cursor"/>: a consumer that fell
    /// behind (a backlog is sent first) reads the rows it lacks from <paramref name="source"/>,
    /// never past the cursor, for at most <paramref name="budget"/> (null: until level) or until
    /// <paramref name="stop"/>.
    /// </summary>
    Task CatchUpAsync(IAnnotationSource source, AnnotationCursor cursor, TimeSpan? budget, CancellationToken stop, CancellationToken cancellationToken);
}
