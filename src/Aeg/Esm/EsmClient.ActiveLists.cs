using System.Text.Json;

namespace Aeg.Esm;

/// <summary>An active list's entries as ESM hands them out: the column names and one row of values per entry.</summary>
public sealed record EsmActiveListEntries(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

// ActiveListService (getEntries, addEntries, deleteEntries, clearEntries) in the JSON form the public clients use:
// {"act.addEntries": {"act.authToken": …, "act.resourceId": …, "act.entryList": {"columns": [...], "entryList": [{"entry": [...]}]}}}.
public sealed partial class EsmClient
{
    /// <summary>ActiveListService.getEntries: every entry of the list.</summary>
    public async Task<EsmActiveListEntries> GetActiveListEntriesAsync(string listId, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("ActiveListService", "act", "getEntries", (w, p) => w.WriteString($"{p}.resourceId", listId), cancellationToken)
            .ConfigureAwait(false);
        if (EsmJson.Return(answer, "act", "getEntries") is not { ValueKind: JsonValueKind.Object } list)
        {
            return new EsmActiveListEntries([], []);
        }
        var columns = list.TryGetProperty("columns", out var c) ? EsmJson.Items(c).Select(EsmJson.Text).ToList() : [];
        var rows = list.TryGetProperty("entryList", out var e)
            ? EsmJson.Items(e).Select(row => (IReadOnlyList<string>)(row.ValueKind == JsonValueKind.Object && row.TryGetProperty("entry", out var values)
                ? [.. EsmJson.Items(values).Select(EsmJson.Text)]
                : [])).ToList()
            : [];
        return new EsmActiveListEntries(columns, rows);
    }

    /// <summary>ActiveListService.addEntries: adds the rows (an entry whose key columns exist already is updated by ESM, not doubled).</summary>
    public Task AddActiveListEntriesAsync(string listId, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, CancellationToken cancellationToken) =>
        ChangeEntriesAsync("addEntries", listId, columns, rows, cancellationToken);

    /// <summary>ActiveListService.deleteEntries: removes the entries matching the rows (absent ones are no error).</summary>
    public Task DeleteActiveListEntriesAsync(string listId, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, CancellationToken cancellationToken) =>
        ChangeEntriesAsync("deleteEntries", listId, columns, rows, cancellationToken);

    /// <summary>ActiveListService.clearEntries: removes every entry of the list.</summary>
    public async Task ClearActiveListAsync(string listId, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("ActiveListService", "act", "clearEntries", (w, p) => w.WriteString($"{p}.resourceId", listId), cancellationToken)
            .ConfigureAwait(false);
        _ = EsmJson.Return(answer, "act", "clearEntries");
    }

    private async Task ChangeEntriesAsync(string op, string listId, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("ActiveListService", "act", op, (w, p) =>
        {
            w.WriteString($"{p}.resourceId", listId);
            w.WriteStartObject($"{p}.entryList");
            w.WriteStartArray("columns");
            foreach (var column in columns)
            {
                w.WriteStringValue(column);
            }
            w.WriteEndArray();
            w.WriteStartArray("entryList");
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteStartArray("entry");
                foreach (var value in row)
                {
                    w.WriteStringValue(value);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false);
        _ = EsmJson.Return(answer, "act", op);
    }
}
