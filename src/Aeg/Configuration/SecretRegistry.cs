using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aeg.Configuration;

/// <summary>
/// Every secret this process has read — passwords, tokens, API keys, HMAC keys, and the secret parts
/// of configured URLs — in every form it may take in a text (as is, URL-encoded, JSON-escaped). Its
/// <see cref="Scrubber"/> is the one used where text leaves the process: log lines (both sinks),
/// exception texts, error bodies echoed by a server, dead letters and command output.
/// </summary>
public sealed class SecretRegistry
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _forms = new(StringComparer.Ordinal);
    private SecretScrubber _scrubber = SecretScrubber.None;

    /// <summary>The process's registry: <see cref="Secrets"/> adds every secret it reads, the log sinks scrub with it.</summary>
    public static SecretRegistry Shared { get; } = new();

    /// <summary>A scrubber that knows every secret added so far.</summary>
    public SecretScrubber Scrubber => Volatile.Read(ref _scrubber);

    /// <summary>Adds <paramref name="secret"/> in its raw, URL-encoded and JSON-escaped forms.</summary>
    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return;
        }
        lock (_lock)
        {
            var before = _forms.Count;
            foreach (var form in Forms(secret))
            {
                _forms.Add(form);
            }
            if (_forms.Count != before)
            {
                Volatile.Write(ref _scrubber, new SecretScrubber(_forms));
            }
        }
    }

    /// <summary>
    /// Adds the parts of a configured URL that can carry a credential: the user info and its password,
    /// the query string and each query value. When <paramref name="wholeUrlIsSecret"/> (the URL came from
    /// <c>urlEnv</c>/<c>urlFile</c>, e.g. a Slack or Teams webhook with its key in the path), also the whole
    /// address, its path and the path's longer segments.
    /// </summary>
    public void AddUrl(string url, bool wholeUrlIsSecret)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            if (wholeUrlIsSecret)
            {
                Add(url);
            }
            return;
        }
        if (uri.UserInfo.Length > 0)
        {
            Add(uri.UserInfo);
            Add(Uri.UnescapeDataString(uri.UserInfo));
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                Add(uri.UserInfo[(colon + 1)..]);
                Add(Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]));
            }
        }
        var query = uri.Query.TrimStart('?');
        if (query.Length > 0)
        {
            Add(query);
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var value = equals < 0 ? pair : pair[(equals + 1)..];
                Add(value);
                Add(Uri.UnescapeDataString(value.Replace('+', ' ')));
            }
        }
        if (wholeUrlIsSecret)
        {
            Add(url);
            Add(uri.AbsoluteUri);
            Add(uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped));
            if (uri.AbsolutePath.Length > 1)
            {
                Add(uri.AbsolutePath);
                Add(uri.PathAndQuery);
                foreach (var segment in uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s.Length >= 8))
                {
                    Add(segment);
                }
            }
        }
    }

    private static IEnumerable<string> Forms(string secret)
    {
        yield return secret;
        yield return Uri.EscapeDataString(secret);
        // How JSON writers put it in an echoed body: System.Text.Json's default and relaxed escaping.
        yield return JsonEncodedText.Encode(secret).ToString();
        yield return JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
        yield return secret.Replace("/", "\\/", StringComparison.Ordinal);
    }
}
