namespace Aeg.Tickets;

// In Tickets rather than Esm because the rule loader checks a list's URI at start-up and rules do not see Esm.

/// <summary>
/// A resource named by its URI as the ESM console shows it (<c>/All Active Lists/Containment/Hosts to isolate</c>)
/// rather than by its resource id: the parent group's URI and the resource's name in it.
/// </summary>
public static class EsmResourceUri
{
    /// <summary>True when <paramref name="idOrUri"/> is a URI (ESM resource ids never start with a slash).</summary>
    public static bool IsUri(string idOrUri) => idOrUri.StartsWith('/');

    /// <summary>Why <paramref name="uri"/> cannot name a resource, or null: it needs a group and a name, no empty parts.</summary>
    public static string? Problem(string uri)
    {
        var parts = uri.TrimEnd('/').Split('/');
        if (parts.Length < 3)
        {
            return "a URI needs the group and the name, e.g. /All Active Lists/Containment/Hosts to isolate";
        }
        return GroupProblem(uri);
    }

    /// <summary>Why <paramref name="uri"/> cannot name a group, or null: no empty part between two slashes.</summary>
    public static string? GroupProblem(string uri) =>
        uri.TrimEnd('/').Split('/').Skip(1).Any(p => p.Trim().Length == 0) ? "a URI has an empty part between two slashes" : null;

    /// <summary>The parent group's URI and the resource's name (a trailing slash is ignored).</summary>
    public static (string Group, string Name) Split(string uri)
    {
        var trimmed = uri.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return (trimmed[..slash], trimmed[(slash + 1)..]);
    }
}
