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
    private readonly ConcurrentDictionary<string, string> _resolvedGroups = new(StringComparer.Ordinal);

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
        try
        {
            groupId = await ResolveGroupIdAsync(group, cancellationToken).ConfigureAwait(false);
        }
        catch (EsmException ex) when (ex.Failure == EsmFailure.NotFound)
        {
            throw new EsmException($"ESM resource {idOrUri}: {ex.Message}", EsmFailure.NotFound, ex.StatusCode, ex.Attempts);
        }
        var childId = await FindChildIdAsync(groupId, name, cancellationToken).ConfigureAwait(false)
            ?? throw new EsmException($"ESM resource {idOrUri}: the group {group} has no resource named \"{name}\"", EsmFailure.NotFound);
        _resolvedUris[idOrUri] = childId;
        return childId;
    }

    /// <summary>GroupService.getGroupByURI: the id of the group at <paramref name="uriOrId"/> (an id is returned as given).</summary>
    public async Task<string> ResolveGroupIdAsync(string uriOrId, CancellationToken cancellationToken)
    {
        if (!EsmResourceUri.IsUri(uriOrId))
        {
            return uriOrId;
        }
        var uri = uriOrId.Length > 1 ? uriOrId.TrimEnd('/') : uriOrId;
        if (_resolvedGroups.TryGetValue(uri, out var known))
        {
            return known;
        }
        string groupId;
        using (var answer = await CallAsync("GroupService", "gro", "getGroupByURI", (w, p) => w.WriteString($"{p}.uri", uri), cancellationToken).ConfigureAwait(false))
        {
            groupId = EsmJson.Return(answer, "gro", "getGroupByURI") is { ValueKind: JsonValueKind.Object } g && g.TryGetProperty("resourceid", out var id)
                ? EsmJson.Text(id)
                : "";
        }
        if (groupId.Length == 0)
        {
            throw new EsmException($"ESM has no group {uri}", EsmFailure.NotFound);
        }
        _resolvedGroups[uri] = groupId;
        return groupId;
    }

    /// <summary>GroupService.getChildIDByChildNameOrAlias: the id of the resource named <paramref name="name"/> in the group, or null.</summary>
    public async Task<string?> FindChildIdAsync(string groupId, string name, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("GroupService", "gro", "getChildIDByChildNameOrAlias", (w, p) =>
        {
            w.WriteString($"{p}.groupId", groupId);
            w.WriteString($"{p}.name", name);
        }, cancellationToken).ConfigureAwait(false);
        return EsmJson.Return(answer, "gro", "getChildIDByChildNameOrAlias") is { ValueKind: JsonValueKind.String or JsonValueKind.Number } c && EsmJson.Text(c) is { Length: > 0 } id
            ? id
            : null;
    }
}
