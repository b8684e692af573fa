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

/// <summary>Reads ticket-system secrets from tokenEnv/tokenFile/passwordEnv/passwordFile and checks file permissions.</summary>
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
            TicketAuth.Basic => Read(system.PasswordEnv, system.PasswordFile, $"{key}.passwordEnv", $"{key}.passwordFile", configFile),
            _ => Read(system.TokenEnv, system.TokenFile, $"{key}.tokenEnv", $"{key}.tokenFile", configFile),
        };
        return new TicketCredential(auth, system.User, secret);
    }

    /// <summary>Warnings for secret files that group or other users can read.</summary>
    public static IEnumerable<string> PermissionWarnings(TicketsOptions tickets)
    {
        if (OperatingSystem.IsWindows())
        {
            yield break;
        }
        foreach (var (name, system) in tickets.Systems)
        {
            foreach (var file in new[] { system.TokenFile, system.PasswordFile })
            {
                if (file is not { Length: > 0 } || !File.Exists(file))
                {
                    continue;
                }
                var mode = File.GetUnixFileMode(file);
                if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
                {
                    yield return $"tickets.systems.{name}: secret file {file} is readable by group or other users (mode {Convert.ToString((int)mode, 8)}); run chmod 600 on it";
                }
            }
        }
    }

    /// <summary>A secret from an environment variable or the first line of a file; also used for the HTTP bearer token.</summary>
    internal static string Read(string? env, string? file, string envKey, string fileKey, string configFile)
    {
        string value;
        if (env is { Length: > 0 })
        {
            value = Environment.GetEnvironmentVariable(env)
                ?? throw new ConfigException(configFile, envKey, $"environment variable {env} is not set");
        }
        else if (file is { Length: > 0 })
        {
            try
            {
                using var reader = new StreamReader(file);
                value = reader.ReadLine() ?? "";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException(configFile, fileKey, $"cannot read {file}: {ex.GetType().Name}");
            }
        }
        else
        {
            throw new ConfigException(configFile, envKey, "no secret configured");
        }
        value = value.Trim();
        return value.Length > 0 ? value : throw new ConfigException(configFile, env is { Length: > 0 } ? envKey : fileKey, "the secret is empty");
    }
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
