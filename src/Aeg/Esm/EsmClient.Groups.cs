using System.Collections.Concurrent;
using System.Text.Json;
using Aeg.Tickets;

namespace Aeg.Esm;

// GroupService as the public clients use it to turn a console path into an id (splunk-soar-connectors/arcsight):
// getGroupByURI {"gro.uri": "/All Cases/..."} → the group resource (its "resourceid"), then
// getChildIDByChildNameOrAlias {"gro.groupId", "gro.name"} → the child's id, or no return when the group has no such child.
public sealed partial class EsmClient
{
    // Resource ids do not change while a resource exists; looking each URI up once keeps a rule action at one call.
    private readonly ConcurrentDictionary<string, string> _resolvedUris = new(StringComparer.Ordinal);

    /// <summary>
    /// The resource id for <paramref name="idOrUri"/>: an id is returned as given, a URI is resolved through GroupService
    /// (once per process). A URI that names nothing is an <see cref="EsmFailure.NotFound"/> error saying which part is missing.
    /// </summary>
    public async Task<string> ResolveResourceIdAsync(string idOrUri, CancellationToken cancellationToken)
    {
        if (!EsmResourceUri.IsUri(idOrUri))
        {
            return idOrUri;
        }
        if (_resolvedUris.TryGetValue(idOrUri, out var known))
        {
            return known;
        }
        if (EsmResourceUri.Problem(idOrUri) is { } problem)
        {
            throw new EsmException($"ESM resource {idOrUri}: {problem}", EsmFailure.Rejected);
        }
        var (group, name) = EsmResourceUri.Split(idOrUri);
        string groupId;
        using (var answer = await CallAsync("GroupService", "gro", "getGroupByURI", (w, p) => w.WriteString($"{p}.uri", group), cancellationToken).ConfigureAwait(false))
        {
            groupId = EsmJson.Return(answer, "gro", "getGroupByURI") is { ValueKind: JsonValueKind.Object } g && g.TryGetProperty("resourceid", out var id)
                ? EsmJson.Text(id)
                : "";
        }
        if (groupId.Length == 0)
        {
            throw new EsmException($"ESM resource {idOrUri}: ESM has no group {group}", EsmFailure.NotFound);
        }
        string childId;
        using (var answer = await CallAsync("GroupService", "gro", "getChildIDByChildNameOrAlias", (w, p) =>
               {
                   w.WriteString($"{p}.groupId", groupId);
                   w.WriteString($"{p}.name", name);
               }, cancellationToken).ConfigureAwait(false))
        {
            childId = EsmJson.Return(answer, "gro", "getChildIDByChildNameOrAlias") is { ValueKind: JsonValueKind.String or JsonValueKind.Number } c ? EsmJson.Text(c) : "";
        }
        if (childId.Length == 0)
        {
            throw new EsmException($"ESM resource {idOrUri}: the group {group} has no resource named \"{name}\"", EsmFailure.NotFound);
        }
        _resolvedUris[idOrUri] = childId;
        return childId;
    }
}
