using System.Text.Json;

namespace Aeg.Esm;

/// <summary>A query viewer's current result as ESM hands it out: the column headers and one list of values per row.</summary>
public sealed record EsmMatrix(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

// QueryViewerService.getMatrixData in the JSON form the public clients read:
// {"qvs.getMatrixDataResponse": {"qvs.return": {"columnHeaders": [...], "rows": [{"value": [{"$": "…"}, …]}, …]}}}.
public sealed partial class EsmClient
{
    /// <summary>QueryViewerService.getMatrixData: the query viewer's rows now.</summary>
    public async Task<EsmMatrix> GetQueryViewerMatrixAsync(string queryViewerId, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("QueryViewerService", "qvs", "getMatrixData", (w, p) => w.WriteString($"{p}.id", queryViewerId), cancellationToken)
            .ConfigureAwait(false);
        if (EsmJson.Return(answer, "qvs", "getMatrixData") is not { ValueKind: JsonValueKind.Object } matrix)
        {
            return new EsmMatrix([], []);
        }
        var columns = matrix.TryGetProperty("columnHeaders", out var c) ? EsmJson.Items(c).Select(EsmJson.Text).ToList() : [];
        var rows = matrix.TryGetProperty("rows", out var r)
            ? EsmJson.Items(r).Select(row => (IReadOnlyList<string>)(row.ValueKind == JsonValueKind.Object && row.TryGetProperty("value", out var values)
                ? [.. EsmJson.Items(values).Select(Cell)]
                : [])).ToList()
            : [];
        return new EsmMatrix(columns, rows);
    }

    // A cell is {"@xsi.type": "xs:string", "$": "value"} (the XML mapping), or a bare value.
    private static string Cell(JsonElement cell) =>
        cell.ValueKind == JsonValueKind.Object ? (cell.TryGetProperty("$", out var v) ? EsmJson.Text(v) : "") : EsmJson.Text(cell);
}
