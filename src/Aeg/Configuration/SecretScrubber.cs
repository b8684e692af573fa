namespace Aeg.Configuration;

/// <summary>Replaces every known secret (in any of its forms) in a text with <c>***</c> before it is logged, stored or printed.</summary>
public sealed class SecretScrubber
{
    private readonly string[] _secrets;

    public SecretScrubber(IEnumerable<string> secrets) =>
        // Longest first, so a secret that contains another is replaced whole.
        _secrets = secrets.Where(s => s.Length >= 3).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();

    /// <summary>A scrubber that knows no secrets.</summary>
    public static SecretScrubber None { get; } = new([]);

    /// <summary>True when there is nothing to replace.</summary>
    public bool IsEmpty => _secrets.Length == 0;

    /// <summary>A request address fit for a log: scheme, host, port and path; no user info, no query (either can carry a credential).</summary>
    public static string Url(Uri? uri, SecretScrubber scrubber) =>
        uri is null ? "" : scrubber.Scrub(uri.IsAbsoluteUri ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : uri.OriginalString.Split('?')[0]);

    /// <summary>The text with every known secret replaced by <c>***</c>.</summary>
    public string Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        return text;
    }
}
