namespace Aeg.Tickets;

/// <summary>
/// The bounded hand-off between rule matching (fast, on the receive loop) and ticket actions
/// (slow, over HTTP). When full it sheds the oldest or the newest work per configuration,
/// counting and logging what it dropped; it never blocks the listener.
/// </summary>
public interface ITicketQueue
{
    /// <summary>Queues work without blocking; false when it was shed (counted by the queue).</summary>
    bool TryEnqueue(TicketWork work);
}
