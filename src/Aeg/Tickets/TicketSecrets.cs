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

    /// <summary>
    /// The system's address: <c>url</c>, or the secret one from <c>urlEnv</c>/<c>urlFile</c>. Either way its parts that
    /// can carry a credential (user info, query; for a secret address all of it) are added to <see cref="SecretRegistry.Shared"/>.
    /// Throws <see cref="ConfigException"/> naming the key and the reason (unset, missing, empty, not an address), never the value.
    /// </summary>
    public static Uri ResolveUrl(string name, TicketSystemOptions system, string configFile)
    {
        var key = $"tickets.systems.{name}";
        var source = system.SecretUrl(key);
        if (!source.IsSet)
        {
            SecretRegistry.Shared.AddUrl(system.Url, wholeUrlIsSecret: false);
            return new Uri(system.Url);
        }
        var url = Secrets.ReadRequired(source, configFile);
        SecretRegistry.Shared.AddUrl(url, wholeUrlIsSecret: true);
        var from = source.Env is { Length: > 0 } env ? $"environment variable {env}" : $"file {source.File}";
        if (TicketSystemOptions.CheckUrl(url, system.Type) is { } problem)
        {
            throw new ConfigException(configFile, source.Env is { Length: > 0 } ? source.EnvKey : source.FileKey, $"the address in {from} {problem}");
        }
        return new Uri(url);
    }

    /// <summary>Warnings for secret files that group or other users can read.</summary>
    public static IEnumerable<string> PermissionWarnings(TicketsOptions tickets) =>
        from s in tickets.Systems
        from file in new[] { s.Value.TokenFile, s.Value.PasswordFile, s.Value.UrlFile }
        let warning = Secrets.PermissionWarning(file, $"tickets.systems.{s.Key}: secret file")
        where warning is not null
        select warning;
}
