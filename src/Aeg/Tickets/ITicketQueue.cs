namespace Aeg.Tickets;

/// <summary>
/// The hand-off between rule matching (fast, on the receive loop) and the durable ticket outbox
/// (slower). Work from datagrams, whose senders cannot be slowed down, is shed when the queue is
/// full (counted and logged); work from streams is never shed: the listener stops reading that
/// connection until there is room, so the sender waits instead. Nothing here blocks the listener.
/// </summary>
public interface ITicketQueue
{
    /// <summary>Queues datagram work without blocking; false when it was shed (counted by the queue).</summary>
    bool TryEnqueue(TicketWork work);

    /// <summary>
    /// Queues stream work without blocking and without shedding, even over capacity: its listener
    /// checked <see cref="HasRoom"/> before the frame, so the excess is one frame's work.
    /// </summary>
    void Enqueue(TicketWork work) => TryEnqueue(work);

    /// <summary>False while the queue is at capacity: a stream listener pauses before the next frame.</summary>
    bool HasRoom => true;

    /// <summary>Completes once <see cref="HasRoom"/> is true again (or the queue is completed).</summary>
    ValueTask WaitForRoomAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
