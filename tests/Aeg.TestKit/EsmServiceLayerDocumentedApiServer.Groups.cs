using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Aeg.TestKit;

// GroupService as splunk-soar-connectors/arcsight uses it to turn a console path into an id: getGroupByURI {"gro.uri"}
// returns the group resource (with its "resourceid"); getChildIDByChildNameOrAlias {"gro.groupId", "gro.name"} returns the
// child's id, and for a name the group does not hold an answer without a return object (the connector notes the
// "...Response is not a dict" then). An unknown group URI answers without a return, as the XML mapping drops a null.
public sealed partial class EsmServiceLayerDocumentedApiServer
{
    private readonly ConcurrentDictionary<string, string> _groupIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Group, string Name), string> _children = new();

    /// <summary>Puts the resource <paramref name="resourceId"/> into the group at <paramref name="groupUri"/> under <paramref name="name"/>.</summary>
    public void AddToGroup(string groupUri, string name, string resourceId)
    {
        var groupId = _groupIds.GetOrAdd(groupUri, uri => "G" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(uri)))[..20]);
        _children[(groupId, name)] = resourceId;
    }

    private async Task GroupAsync(HttpContext context, string op, JsonObject args)
    {
        if (op == "getGroupByURI")
        {
            var uri = args["gro.uri"]?.GetValue<string>() ?? "";
            await Json(context, "gro", op, _groupIds.TryGetValue(uri, out var id)
                ? new JsonObject { ["resourceid"] = id, ["name"] = uri[(uri.LastIndexOf('/') + 1)..], ["type"] = 1 }.ToJsonString()
                : null);
            return;
        }
        var groupId = args["gro.groupId"]?.GetValue<string>() ?? "";
        var name = args["gro.name"]?.GetValue<string>() ?? "";
        if (_children.TryGetValue((groupId, name), out var child))
        {
            await Json(context, "gro", op, JsonSerializer.Serialize(child));
            return;
        }
        await Json(context, $"{{\"gro.{op}Response\":\"\"}}");
    }
}
