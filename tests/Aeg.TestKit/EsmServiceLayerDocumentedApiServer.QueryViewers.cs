using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Aeg.TestKit;

// QueryViewerService.getMatrixData as the public clients (demisto ArcSightESMv2 and its tests) read it:
// {"qvs.getMatrixDataResponse": {"qvs.return": {"columnHeaders": [...], "rows": [{"@xsi.type": "listWrapper",
// "value": [{"@xsi.type": "xs:string", "$": "…"}, …]}, …]}}}; an unknown id is ESM's 500 page naming ResourceNotFoundException.
public sealed partial class EsmServiceLayerDocumentedApiServer
{
    private readonly ConcurrentDictionary<string, (string[] Columns, List<string[]> Rows)> _viewers = new(StringComparer.Ordinal);

    /// <summary>Sets what the query viewer answers now (its whole current result, as ESM recomputes it).</summary>
    public void SetQueryViewer(string id, string[] columns, IEnumerable<string[]> rows) => _viewers[id] = (columns, [.. rows]);

    private async Task MatrixAsync(HttpContext context, JsonObject args)
    {
        var id = args["qvs.id"]?.GetValue<string>();
        if (id is null || !_viewers.TryGetValue(id, out var viewer))
        {
            await Page(context, 500, "Internal Server Error", $"com.arcsight.product.core.service.v1.api.ResourceNotFoundException: Invalid resource ID {JsonSerializer.Serialize(id)} for Query Viewer");
            return;
        }
        var rows = viewer.Rows.Select(r => new JsonObject
        {
            ["@xsi.type"] = "listWrapper",
            ["value"] = JsonNode.Parse(List(r.Select(v => new JsonObject { ["@xsi.type"] = "xs:string", ["$"] = v }.ToJsonString())) is { Length: > 0 } cells ? cells : "null"),
        }.ToJsonString());
        var result = new JsonObject
        {
            ["columnHeaders"] = JsonNode.Parse(List(viewer.Columns.Select(c => JsonSerializer.Serialize(c)))),
            ["rows"] = List(rows) is { Length: > 0 } all ? JsonNode.Parse(all) : null,
        };
        await Json(context, "qvs", "getMatrixData", result.ToJsonString());
    }
}
