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

    /// <summary>Creates the group at <paramref name="groupUri"/> (cases can then be inserted into it); returns its id.</summary>
    public string AddGroup(string groupUri) =>
        _groupIds.GetOrAdd(groupUri, uri => "G" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(uri)))[..20]);

    /// <summary>Cases made by CaseService.insertResource, in order: (case id, parent group id).</summary>
    public ConcurrentQueue<(string CaseId, string ParentId)> InsertedCases { get; } = new();

    /// <summary>Puts the resource <paramref name="resourceId"/> into the group at <paramref name="groupUri"/> under <paramref name="name"/>.</summary>
    public void AddToGroup(string groupUri, string name, string resourceId)
    {
        _children[(AddGroup(groupUri), name)] = resourceId;
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

    // CaseService.insertResource as splunk-soar-connectors/arcsight and SOAR integrations call it: {"cas.resource": {"name", …},
    // "cas.parentId": group id} → the new case with its resourceid; a parent ESM does not know is its InvalidResourceIDException
    // page; the case becomes the group's child under its name (ESM refuses a second resource of the same name in a group).
    private async Task InsertCaseAsync(HttpContext context, JsonObject args)
    {
        var parent = args["cas.parentId"]?.GetValue<string>() ?? "";
        var resource = args["cas.resource"] as JsonObject;
        var name = resource?["name"]?.GetValue<string>() ?? "";
        if (!_groupIds.Values.Contains(parent))
        {
            await Page(context, 500, "Internal Server Error", $"com.arcsight.product.core.service.v1.api.InvalidResourceIDException: Invalid resource ID {JsonSerializer.Serialize(parent)} for Group");
            return;
        }
        if (name.Length == 0 || _children.ContainsKey((parent, name)))
        {
            await Page(context, 500, "Internal Server Error", $"com.arcsight.common.exception.ValidationException: a resource named {JsonSerializer.Serialize(name)} exists in the group");
            return;
        }
        var id = "HCase" + Interlocked.Increment(ref _nextCaseId).ToString(System.Globalization.CultureInfo.InvariantCulture) + "UBABCp7Y3dBjvLxA==";
        resource!["resourceid"] = id;
        resource["stage"] ??= "INITIAL";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        resource["createdTimestamp"] = now;
        resource["modifiedTimestamp"] = now;
        resource["modificationCount"] = 0;
        resource["creatorName"] = User;
        AddCase(resource.ToJsonString());
        _children[(parent, name)] = id;
        InsertedCases.Enqueue((id, parent));
        await Json(context, "cas", "insertResource", resource.ToJsonString());
    }

    private long _nextCaseId;
}
