using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Aeg.TestKit;

// ActiveListService as the public clients (demisto ArcSightESMv2, OpenCTI's ArcSight connector) use it: getEntries,
// addEntries, deleteEntries, clearEntries with "act.entryList": {"columns": [...], "entryList": [{"entry": [...]}]}.
// ESM's rules kept here: a value must fit its field's type (IP address, integer), an entry is identified by the list's key columns (adding it again updates it, it is never
// doubled), an unknown column or a missing key column is refused with ESM's 500 page, deleting an absent entry is no error.
public sealed partial class EsmServiceLayerDocumentedApiServer
{
    private readonly ConcurrentDictionary<string, ActiveList> _lists = new(StringComparer.Ordinal);

    /// <summary>The field types of an active list that ESM checks a value against (others are strings).</summary>
    public enum ActiveListFieldType
    {
        String,
        IpAddress,
        Integer,
    }

    private sealed class ActiveList(string[] columns, string[] keyColumns, IReadOnlyDictionary<string, ActiveListFieldType> types)
    {
        public string[] Columns { get; } = columns;
        public string[] KeyColumns { get; } = keyColumns;
        public IReadOnlyDictionary<string, ActiveListFieldType> Types { get; } = types;
        public Dictionary<string, Dictionary<string, string>> Entries { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, long> FirstAdded { get; } = new(StringComparer.Ordinal);
        public int Adds;
        public int Deletes;
    }

    /// <summary>Creates an active list with these columns, identified by <paramref name="keyColumns"/> (ESM's key fields).</summary>
    /// <remarks><paramref name="types"/>: fields ESM types as an IP address or integer; a value that is not one is refused.</remarks>
    public void AddActiveList(string resourceId, string[] columns, string[] keyColumns, IReadOnlyDictionary<string, ActiveListFieldType>? types = null) =>
        _lists[resourceId] = new ActiveList(columns, keyColumns, types ?? new Dictionary<string, ActiveListFieldType>());

    /// <summary>The list's entries now, each as column → value.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> ActiveListEntries(string resourceId)
    {
        var list = _lists[resourceId];
        lock (list)
        {
            return [.. list.Entries.Values.Select(e => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(e, StringComparer.Ordinal))];
        }
    }

    /// <summary>When each entry (by its key values, joined by U+0001) was first added: <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public IReadOnlyDictionary<string, long> ActiveListFirstAdded(string resourceId)
    {
        var list = _lists[resourceId];
        lock (list)
        {
            return new Dictionary<string, long>(list.FirstAdded, StringComparer.Ordinal);
        }
    }

    /// <summary>How many addEntries and deleteEntries calls changed the list (a repeated add counts, but adds no entry).</summary>
    public (int Adds, int Deletes) ActiveListCalls(string resourceId) => (_lists[resourceId].Adds, _lists[resourceId].Deletes);

    private async Task ActiveListAsync(HttpContext context, string op, JsonObject args)
    {
        var id = args["act.resourceId"]?.GetValue<string>();
        if (id is null || !_lists.TryGetValue(id, out var list))
        {
            await Page(context, 500, "Internal Server Error", $"com.arcsight.product.core.service.v1.api.InvalidResourceIDException: Invalid resource ID {JsonSerializer.Serialize(id)} for ActiveList");
            return;
        }
        lock (list)
        {
            if (op == "clearEntries")
            {
                list.Entries.Clear();
            }
        }
        if (op == "clearEntries")
        {
            await Json(context, "act", op, null);
            return;
        }
        if (op == "getEntries")
        {
            string result;
            lock (list)
            {
                var rows = list.Entries.Values.Select(e => new JsonObject { ["entry"] = List(list.Columns.Select(c => JsonSerializer.Serialize(e.GetValueOrDefault(c, "")))) is var v && v.Length > 0 ? JsonNode.Parse(v) : null });
                result = new JsonObject
                {
                    ["columns"] = JsonNode.Parse(List(list.Columns.Select(c => JsonSerializer.Serialize(c)))),
                    ["entryList"] = List(rows.Select(r => r.ToJsonString())) is var all && all.Length > 0 ? JsonNode.Parse(all) : null,
                }.ToJsonString();
            }
            await Json(context, "act", op, result);
            return;
        }
        var entryList = args["act.entryList"] as JsonObject;
        var columns = Strings(entryList?["columns"]);
        var unknown = columns.FirstOrDefault(c => !list.Columns.Contains(c));
        var missingKey = list.KeyColumns.FirstOrDefault(k => !columns.Contains(k));
        if (unknown is not null || missingKey is not null)
        {
            await Page(context, 500, "Internal Server Error", unknown is not null
                ? $"com.arcsight.common.exception.ValidationException: column '{unknown}' is not a field of the active list"
                : $"com.arcsight.common.exception.ValidationException: key field '{missingKey}' is missing");
            return;
        }
        var rowsGiven = entryList?["entryList"] is JsonArray many ? many.ToList() : entryList?["entryList"] is JsonObject one ? [one] : [];
        // ESM checks every value against its field's type before it changes anything.
        foreach (var (column, value) in rowsGiven.SelectMany(row => columns.Zip(Strings(row?["entry"]))))
        {
            var type = list.Types.GetValueOrDefault(column);
            var valid = type switch
            {
                ActiveListFieldType.IpAddress => System.Net.IPAddress.TryParse(value, out _),
                ActiveListFieldType.Integer => long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _),
                _ => true,
            };
            if (!valid)
            {
                await Page(context, 500, "Internal Server Error", $"com.arcsight.common.exception.ValidationException: value '{value}' of field '{column}' is not a valid {type}");
                return;
            }
        }
        lock (list)
        {
            foreach (var row in rowsGiven)
            {
                var values = Strings(row?["entry"]);
                var entry = columns.Zip(values).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
                var key = string.Join("\u0001", list.KeyColumns.Select(k => entry[k]));
                if (op == "addEntries")
                {
                    list.Entries[key] = entry;
                    list.FirstAdded.TryAdd(key, System.Diagnostics.Stopwatch.GetTimestamp());
                    list.Adds++;
                }
                else
                {
                    list.Entries.Remove(key);
                    list.Deletes++;
                }
            }
        }
        await Json(context, "act", op, null);
    }

    private static List<string> Strings(JsonNode? node) => node switch
    {
        JsonArray a => [.. a.Select(x => x?.GetValue<string>() ?? "")],
        JsonValue v => [v.GetValue<string>()],
        _ => [],
    };
}
