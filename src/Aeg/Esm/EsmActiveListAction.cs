using Aeg.Tickets;

namespace Aeg.Esm;

/// <summary>
/// The sink of <c>esmActiveList</c> rule actions: adds an entry to, or deletes it from, an ESM active list through the
/// Service Layer, as ticket work (same outbox, retries and dead letters). Adding an entry that exists is one entry
/// (ESM keys entries by the list's key columns); deleting an absent one is no error.
/// </summary>
public sealed class EsmActiveListAction(EsmClient client) : ITicketAction
{
    public string Name => ActiveListWork.TargetName;

    /// <summary>Runs the operation; the "ticket" is the list and entry, so later work for the same entry runs after it.</summary>
    public async Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        var (list, op) = await RunAsync(fields, cancellationToken).ConfigureAwait(false);
        return new TicketResult($"{list}:{op}");
    }

    public async Task UpdateAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken) =>
        await RunAsync(fields, cancellationToken).ConfigureAwait(false);

    private async Task<(string List, string Op)> RunAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        if (!fields.TryGetValue(ActiveListWork.ListField, out var list) || list.Length == 0)
        {
            throw new TicketActionException($"{ActiveListWork.TargetName}: the work names no list", transient: false, attempts: 0);
        }
        var op = fields.GetValueOrDefault(ActiveListWork.OpField);
        var columns = fields.Keys.Where(k => k.StartsWith(ActiveListWork.ColumnPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (columns.Count == 0)
        {
            throw new TicketActionException($"{ActiveListWork.TargetName}: the work has no entry columns", transient: false, attempts: 0);
        }
        var names = columns.Select(c => c[ActiveListWork.ColumnPrefix.Length..]).ToList();
        IReadOnlyList<IReadOnlyList<string>> rows = [columns.Select(c => fields[c]).ToList()];
        try
        {
            var listId = await client.ResolveResourceIdAsync(list, cancellationToken).ConfigureAwait(false);
            switch (op)
            {
                case "add":
                    await client.AddActiveListEntriesAsync(listId, names, rows, cancellationToken).ConfigureAwait(false);
                    break;
                case "delete":
                    await client.DeleteActiveListEntriesAsync(listId, names, rows, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new TicketActionException($"{ActiveListWork.TargetName}: op '{op}' is neither add nor delete", transient: false, attempts: 0);
            }
        }
        catch (EsmException ex)
        {
            // An outage comes back through the outbox's retry of transient failures; a refusal (unknown list, bad column) is a dead letter.
            throw new TicketActionException($"{ActiveListWork.TargetName} {op} on {list}: {ex.Message}", ex.Transient, ex.StatusCode, Math.Max(1, ex.Attempts));
        }
        return (list, op);
    }
}
