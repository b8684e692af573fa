namespace Aeg.Tickets;

/// <summary>A ticket system whose tickets' status Aeg can read (for writing it back into an ESM case).</summary>
public interface ITicketStatusSource
{
    /// <summary>The ticket's status as the system gives it, or null when it has none.</summary>
    Task<TicketStatus?> StatusAsync(string ticketRef, CancellationToken cancellationToken);
}

/// <summary>
/// A ticket's status: <see cref="Name"/> as the system names it (RT: <c>new</c>, <c>open</c>, <c>resolved</c>; Jira: the
/// workflow's status name) and <see cref="Done"/>, the system's own verdict that the work is finished where it has one
/// (Jira: the status is in the <c>done</c> status category, whatever a site named it); false where it has none (RT).
/// </summary>
public sealed record TicketStatus(string Name, bool Done);
