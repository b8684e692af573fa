using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aeg.Esm.Cases;

/// <summary>
/// One ESM case resource as <c>CaseService.getResourceById</c> returns it (<c>resourceid</c>, <c>name</c>, <c>stage</c>,
/// <c>modifiedTimestamp</c> in epoch ms, <c>displayID</c>, …), with its place in the poll order and a fingerprint of its content.
/// </summary>
public sealed class EsmCase
{
    // What changes when nothing an analyst did changed: ESM's bookkeeping and the fields Aeg writes back.
    private static readonly HashSet<string> Volatile = new(StringComparer.Ordinal)
    {
        "modifiedTimestamp", "modifiedTime", "modifiedDate", "modificationCount", "modifierName", "inCache", "isAdditionalLoaded",
    };

    private EsmCase(string id, long modifiedMs, JsonElement json)
    {
        Id = id;
        ModifiedMs = modifiedMs;
        Json = json;
    }

    /// <summary>The case's resource id (<c>resourceid</c>).</summary>
    public string Id { get; }

    /// <summary><c>modifiedTimestamp</c> (epoch ms); 0 when ESM gave none.</summary>
    public long ModifiedMs { get; }

    /// <summary>The resource as returned.</summary>
    public JsonElement Json { get; }

    /// <summary>The poll order: (modification time, id).</summary>
    public EsmCaseCursor Position => new(ModifiedMs, Id);

    /// <summary>A text field of the resource, or null.</summary>
    public string? Text(string name) => Json.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array)
        ? EsmJson.Text(v) : null;

    /// <summary>Reads a case resource; throws <see cref="FormatException"/> when it has no <c>resourceid</c>.</summary>
    public static EsmCase From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("resourceid", out var idValue) || EsmJson.Text(idValue) is not { Length: > 0 } id)
        {
            throw new FormatException("the case resource has no resourceid");
        }
        long modified = 0;
        if (json.TryGetProperty("modifiedTimestamp", out var m))
        {
            if (m.ValueKind == JsonValueKind.Number && m.TryGetInt64(out var ms) && ms > 0)
            {
                modified = ms;
            }
            else if (m.ValueKind == JsonValueKind.String && long.TryParse(m.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var text))
            {
                modified = text;
            }
        }
        return new EsmCase(id, modified, json);
    }

    /// <summary>
    /// SHA-256 (first 16 bytes, hex) of the resource without ESM's bookkeeping and without <paramref name="ignored"/>
    /// (the fields Aeg writes back): equal fingerprints mean no analyst change worth a ticket update.
    /// </summary>
    public string Fingerprint(IEnumerable<string> ignored)
    {
        var skip = new HashSet<string>(Volatile, StringComparer.Ordinal);
        skip.UnionWith(ignored);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var property in Json.EnumerateObject().Where(p => !skip.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                property.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(stream.ToArray()))[..32];
    }

    /// <summary>The resource with <c>caseEventIds</c> (comma separated) and <c>caseEventCount</c> added, for <c>{{esm.…}}</c> templates.</summary>
    public EsmEvent WithEvents(IReadOnlyList<long> eventIds)
    {
        var node = JsonNode.Parse(Json.GetRawText())!.AsObject();
        node["caseEventIds"] = string.Join(",", eventIds.Select(i => i.ToString(CultureInfo.InvariantCulture)));
        node["caseEventCount"] = eventIds.Count;
        node["eventIDs"] = new JsonArray([.. eventIds.Select(i => (JsonNode)i)]);
        using var doc = JsonDocument.Parse(node.ToJsonString());
        return new EsmEvent(doc.RootElement.Clone());
    }

    /// <summary>
    /// The CEF line rules match a case against (and the outbox job's raw event): vendor <c>ArcSight</c>, product
    /// <c>ESM Case</c>, the case name; <c>externalId</c> the case id, <c>cs1</c> the stage, <c>cs2</c> the URI,
    /// <c>cn1</c> the display id, <c>suser</c> the creator, <c>cs6</c> the fingerprint. Nothing in it changes when only
    /// ESM's bookkeeping or Aeg's write-back changed (modifier, modification time and count are in <c>{{esm.…}}</c>).
    /// </summary>
    public string Cef(string fingerprint)
    {
        var text = new StringBuilder("CEF:0|ArcSight|ESM Case|1|case|");
        text.Append(Header(Text("name") ?? Id)).Append('|');
        text.Append(Severity()).Append('|');
        text.Append("externalId=").Append(Value(Id));
        Append(text, "cs1", Text("stage"), "stage");
        Append(text, "cs2", Text("URI") ?? (Json.TryGetProperty("reference", out var r) && r.ValueKind == JsonValueKind.Object && r.TryGetProperty("uri", out var u) ? EsmJson.Text(u) : null), "uri");
        Append(text, "cn1", Text("displayID"), "displayID");
        Append(text, "suser", Text("creatorName"), null);
        Append(text, "cs6", fingerprint, "aegCaseFingerprint");
        return text.ToString();
    }

    // ESM's consequenceSeverity names, mapped onto CEF's 0–10.
    private string Severity() => Text("consequenceSeverity") switch
    {
        "NONE" or "INSIGNIFICANT" => "1",
        "MARGINAL" => "3",
        "CRITICAL" => "7",
        "CATASTROPHIC" => "10",
        _ => "5",
    };

    private static void Append(StringBuilder text, string key, string? value, string? label)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        text.Append(' ').Append(key).Append('=').Append(Value(value));
        if (label is not null)
        {
            text.Append(' ').Append(key).Append("Label=").Append(label);
        }
    }

    private static string Header(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Value(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal)
        .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
