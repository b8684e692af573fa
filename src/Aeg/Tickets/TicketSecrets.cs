using Aeg.Configuration;

namespace Aeg.Tickets;

/// <summary>The resolved credential of one ticket system; read from the environment or a file, never the config.</summary>
public sealed record TicketCredential(TicketAuth Auth, string? User, string Secret)
{
    /// <summary>Every string that would reveal the credential if it reached a log: the secret and the basic-auth header value.</summary>
    public IEnumerable<string> SecretForms()
    {
        if (Secret.Length == 0)
        {
            yield break;
        }
        yield return Secret;
        yield return Uri.EscapeDataString(Secret);
        if (Auth == TicketAuth.Basic)
        {
            yield return BasicHeaderValue;
        }
    }

    /// <summary>Base64 of <c>user:password</c>.</summary>
    public string BasicHeaderValue => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{User}:{Secret}"));
}

/// <summary>Ticket-system credentials through <see cref="Secrets"/>, with the <c>tickets.systems.NAME.*</c> keys.</summary>
public static class TicketSecrets
{
    /// <summary>The credential of <paramref name="system"/>; throws <see cref="ConfigException"/> naming the key (never the value).</summary>
    public static TicketCredential Resolve(string name, TicketSystemOptions system, string configFile)
    {
        var auth = system.EffectiveAuth;
        var key = $"tickets.systems.{name}";
        var secret = auth switch
        {
            TicketAuth.None => "",
            TicketAuth.Basic => Secrets.ReadRequired(system.Password(key), configFile),
            _ => Secrets.ReadRequired(system.Token(key), configFile),
        };
        return new TicketCredential(auth, system.User, secret);
    }

    /// <summary>Warnings for secret files that group or other users can read.</summary>
    public static IEnumerable<string> PermissionWarnings(TicketsOptions tickets) =>
        from s in tickets.Systems
        from file in new[] { s.Value.TokenFile, s.Value.PasswordFile }
        let warning = Secrets.PermissionWarning(file, $"tickets.systems.{s.Key}: secret file")
        where warning is not null
        select warning;
}

/// <summary>Replaces every configured secret (in any of its forms) in a text with <c>***</c> before it is logged or stored.</summary>
public sealed class SecretScrubber
{
    private readonly string[] _secrets;

    public SecretScrubber(IEnumerable<string> secrets) =>
        // Longest first, so a secret that contains another is replaced whole.
        _secrets = secrets.Where(s => s.Length >= 3).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();

    /// <summary>A scrubber that knows no secrets.</summary>
    public static SecretScrubber None { get; } = new([]);

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
