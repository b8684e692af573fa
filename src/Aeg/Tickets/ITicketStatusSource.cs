namespace Aeg.Tickets;

/// <summary>A ticket system whose tickets' status Aeg can read (for writing it back into an ESM case).</summary>
public interface ITicketStatusSource
{
    /// <summary>The ticket's status as the system names it (RT: <c>new</c>, <c>open</c>, <c>resolved</c>, …), or null when it has none.</summary>
    Task<string?> StatusAsync(string ticketRef, CancellationToken cancellationToken);
}
