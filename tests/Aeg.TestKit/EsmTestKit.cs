using System.Text.Json.Nodes;
using Aeg.Esm;
using Aeg.Tickets;

namespace Aeg.TestKit;

/// <summary>Options and fixtures for tests against <see cref="EsmServiceLayerDocumentedApiServer"/>.</summary>
public static class EsmTestKit
{
    public const string PasswordVariable = "AEG_TEST_ESM_PASSWORD";

    /// <summary>The real getSecurityEvents answer of the ESM → Request Tracker integration's README (event 198236).</summary>
    public static string ExampleEvent => File.ReadAllText(TestServices.RepoFile("tests/fixtures/esm/security-event-198236.json"));

    /// <summary>The example event with another id, and changes applied to its JSON.</summary>
    public static string Event(long id, Action<JsonObject>? change = null)
    {
        var node = JsonNode.Parse(ExampleEvent)!.AsObject();
        node["eventId"] = id;
        change?.Invoke(node);
        return node.ToJsonString();
    }

    /// <summary>Options for the server: its CA trusted, short timeouts and backoff.</summary>
    public static EsmOptions Options(EsmServiceLayerDocumentedApiServer server, int maxAttempts = 4, TimeSpan? timeout = null) => new()
    {
        Url = server.BaseUrl.ToString(),
        User = server.User,
        PasswordEnv = PasswordVariable,
        CaFile = server.CaFile,
        Timeout = timeout ?? TimeSpan.FromSeconds(5),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Retry = new RetryOptions { MaxAttempts = maxAttempts, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(5) },
    };

    public static EsmClient Client(EsmServiceLayerDocumentedApiServer server, Serilog.ILogger log, int maxAttempts = 4, TimeSpan? timeout = null, string? password = null) =>
        new(Options(server, maxAttempts, timeout), password ?? server.Password, log);

    /// <summary>
    /// A case resource as CaseService.getResourceById returns it (shape of the demisto ArcSightESMv2 README's
    /// <c>as-get-case</c> example: resourceid, name, stage, modifiedTimestamp in epoch ms, displayID, reference.uri, eventIDs).
    /// </summary>
    public static string Case(string id, long modifiedMs, string name, string stage = "QUEUED", long[]? eventIds = null, int displayId = 10017) =>
        new JsonObject
        {
            ["URI"] = $"/All Cases/All Cases/Aeg/{name}",
            ["action"] = "BLOCK_OR_SHUTDOWN",
            ["consequenceSeverity"] = "INSIGNIFICANT",
            ["createdTimestamp"] = modifiedMs - 1000,
            ["creatorName"] = "admin",
            ["displayID"] = displayId,
            ["eventIDs"] = eventIds is null ? null : new JsonArray([.. eventIds.Select(e => (JsonNode)e)]),
            ["modificationCount"] = 1,
            ["modifiedTimestamp"] = modifiedMs,
            ["modifierName"] = "admin",
            ["name"] = name,
            ["reference"] = new JsonObject { ["id"] = id, ["referenceName"] = "Case", ["referenceType"] = 7, ["uri"] = $"/All Cases/All Cases/Aeg/{name}" },
            ["resourceid"] = id,
            ["stage"] = stage,
            ["ticketType"] = "INTERNAL",
            ["type"] = 7,
            ["typeName"] = "Case",
        }.ToJsonString();
}
