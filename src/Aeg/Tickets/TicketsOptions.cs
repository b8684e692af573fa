using Aeg.Configuration;

namespace Aeg.Tickets;

/// <summary>The <c>tickets:</c> section: named ticket systems, where dead letters go, how the dispatcher runs.</summary>
public sealed class TicketsOptions
{
    /// <summary>Ticket systems by name; rules name one of these as their action's target.</summary>
    public Dictionary<string, TicketSystemOptions> Systems { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The bounded queue between rule matching and the dispatcher (see docs/rules.md).</summary>
    public TicketQueueOptions Queue { get; set; } = new();

    /// <summary>Where the outbox and dedupe store live: <c>sqlite</c> (<c>tickets.db</c>, one instance) or <c>mariadb</c> (shared by instances, see docs/scaling.md).</summary>
    public TicketStoreKind Store { get; set; } = TicketStoreKind.Sqlite;

    /// <summary>The durable outbox in <c>tickets.db</c>: leases and how long finished jobs are kept.</summary>
    public TicketOutboxOptions Outbox { get; set; } = new();

    /// <summary>Folder of dead-letter files of earlier versions, moved into the outbox at start; empty means <c>&lt;state.directory&gt;/dead-letter</c>.</summary>
    public string? DeadLetterDirectory { get; set; }

    /// <summary>How many ticket actions run at once (work for one dedupe key is always serial).</summary>
    public int Workers { get; set; } = 4;

    /// <summary>On shutdown, how long queued work may still be sent before the rest is written to dead letters.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Every problem of this section, keys prefixed with <paramref name="keyPrefix"/> (e.g. <c>tickets</c>).</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (Workers is < 1 or > 64)
        {
            yield return new ConfigProblem($"{keyPrefix}.workers", "must be 1–64");
        }
        if (DrainTimeout < TimeSpan.Zero || DrainTimeout > TimeSpan.FromMinutes(10))
        {
            yield return new ConfigProblem($"{keyPrefix}.drainTimeout", "must be 0s–10m");
        }
        foreach (var problem in (Outbox ?? new()).Validate($"{keyPrefix}.outbox"))
        {
            yield return problem;
        }
        foreach (var problem in (Queue ?? new()).Validate($"{keyPrefix}.queue"))
        {
            yield return problem;
        }
        foreach (var (name, system) in Systems)
        {
            var key = $"{keyPrefix}.systems.{name}";
            if (system is null)
            {
                yield return new ConfigProblem(key, "is empty; give at least type and url");
                continue;
            }
            foreach (var problem in system.Validate(key))
            {
                yield return problem;
            }
        }
    }

    /// <summary>System name → kind (<c>rt</c>, <c>jira</c>, <c>extrahop</c>, <c>webhook</c>), for checking rule targets.</summary>
    public IReadOnlyDictionary<string, string> TargetKinds() =>
        Systems.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value.Type.ToString().ToLowerInvariant(), StringComparer.Ordinal);

    /// <summary>Makes file paths absolute against the config file's folder.</summary>
    public void ResolvePaths(string baseDir)
    {
        if (DeadLetterDirectory is { Length: > 0 } d)
        {
            DeadLetterDirectory = Path.GetFullPath(d, baseDir);
        }
        foreach (var system in Systems.Values)
        {
            if (system?.TokenFile is { Length: > 0 } t)
            {
                system.TokenFile = Path.GetFullPath(t, baseDir);
            }
            if (system?.PasswordFile is { Length: > 0 } pw)
            {
                system.PasswordFile = Path.GetFullPath(pw, baseDir);
            }
            if (system?.UrlFile is { Length: > 0 } u)
            {
                system.UrlFile = Path.GetFullPath(u, baseDir);
            }
        }
    }

    /// <summary>The dead-letter folder, defaulting under the state directory.</summary>
    public string DeadLetterPath(string stateDirectory) =>
        string.IsNullOrEmpty(DeadLetterDirectory) ? Path.Combine(stateDirectory, "dead-letter") : DeadLetterDirectory;
}

/// <summary>The <c>tickets.outbox:</c> section.</summary>
public sealed class TicketOutboxOptions
{
    /// <summary>How long a worker's claim on a job or dedupe key lasts without renewal (renewed every third of it while the process lives).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How long finished (done) jobs stay in the outbox, with their ticket and outcome.</summary>
    public TimeSpan KeepDone { get; set; } = TimeSpan.FromHours(24);

    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (Lease < TimeSpan.FromSeconds(1) || Lease > TimeSpan.FromHours(1))
        {
            yield return new ConfigProblem(keyPrefix + ".lease", "must be 1s–1h");
        }
        if (KeepDone < TimeSpan.Zero)
        {
            yield return new ConfigProblem(keyPrefix + ".keepDone", "must not be negative");
        }
    }
}

/// <summary>Where the ticket outbox and dedupe store live.</summary>
public enum TicketStoreKind
{
    /// <summary><c>tickets.db</c> in the state directory.</summary>
    Sqlite,
    /// <summary>Tables in <c>ha.database</c> on the <c>database:</c> server, shared by every instance.</summary>
    Mariadb,
}

/// <summary>The kinds of ticket system Aeg can talk to.</summary>
public enum TicketSystemType { Rt, Jira, ExtraHop, Webhook }

/// <summary>How Aeg authenticates to a ticket system.</summary>
public enum TicketAuth
{
    /// <summary>The type's default: RT token, Jira basic, ExtraHop apikey, webhook hmac.</summary>
    Default,
    /// <summary>RT: <c>Authorization: token …</c>.</summary>
    Token,
    /// <summary>HTTP basic: <c>user</c> and a password (Jira: the API token) from passwordEnv/passwordFile.</summary>
    Basic,
    /// <summary>Jira Data Center personal access token: <c>Authorization: Bearer …</c>.</summary>
    Bearer,
    /// <summary>ExtraHop: <c>Authorization: ExtraHop apikey=…</c>.</summary>
    ApiKey,
    /// <summary>Webhook: HMAC-SHA256 signature of timestamp and body with the secret.</summary>
    Hmac,
    /// <summary>No authentication (a webhook receiver on a trusted network).</summary>
    None,
}

/// <summary>One ticket system: where it is, how to log in, timeouts and retries.</summary>
public sealed class TicketSystemOptions
{
    public TicketSystemType Type { get; set; }
    /// <summary>Base address: RT's web root (REST2 is below /REST/2.0/), Jira's base, ExtraHop appliance, or the webhook's full URL.</summary>
    public string Url { get; set; } = "";
    /// <summary>Environment variable holding the whole address, for targets whose URL is the secret (a Slack or Teams webhook). Instead of url.</summary>
    public string? UrlEnv { get; set; }
    /// <summary>File whose first line is the whole address (see <see cref="UrlEnv"/>). Instead of url.</summary>
    public string? UrlFile { get; set; }
    public TicketAuth Auth { get; set; } = TicketAuth.Default;
    /// <summary>User name for basic auth.</summary>
    public string? User { get; set; }
    /// <summary>Environment variable holding the token, API key or HMAC secret.</summary>
    public string? TokenEnv { get; set; }
    /// <summary>File whose first line is the token, API key or HMAC secret.</summary>
    public string? TokenFile { get; set; }
    /// <summary>Environment variable holding the basic-auth password (Jira: API token).</summary>
    public string? PasswordEnv { get; set; }
    /// <summary>File whose first line is the basic-auth password (Jira: API token).</summary>
    public string? PasswordFile { get; set; }
    /// <summary>Time limit of one HTTP attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
    public RetryOptions Retry { get; set; } = new();

    /// <summary>Why <paramref name="url"/> cannot be a ticket system's address, or null; never echoes the address (it may hold a credential).</summary>
    public static string? CheckUrl(string url, TicketSystemType type)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "must be an absolute http:// or https:// address";
        }
        if (uri.UserInfo.Length > 0)
        {
            return "must not contain credentials (user:password@); use user with passwordEnv/passwordFile or tokenEnv/tokenFile";
        }
        // RT, Jira and ExtraHop URLs are bases that API paths are appended to: a query would be lost (or garble the path).
        return type != TicketSystemType.Webhook && uri.Query.Length > 0
            ? $"must not have a query string: {type.ToString().ToLowerInvariant()} requests go to paths below this base address (only a webhook's address is used as is)"
            : null;
    }

    /// <summary>The effective auth: <see cref="Auth"/>, or the type's default.</summary>
    public TicketAuth EffectiveAuth => Auth != TicketAuth.Default ? Auth : Type switch
    {
        TicketSystemType.Rt => TicketAuth.Token,
        TicketSystemType.Jira => TicketAuth.Basic,
        TicketSystemType.ExtraHop => TicketAuth.ApiKey,
        _ => TicketAuth.Hmac,
    };

    private static readonly Dictionary<TicketSystemType, TicketAuth[]> AllowedAuth = new()
    {
        [TicketSystemType.Rt] = [TicketAuth.Token, TicketAuth.Basic],
        [TicketSystemType.Jira] = [TicketAuth.Basic, TicketAuth.Bearer],
        [TicketSystemType.ExtraHop] = [TicketAuth.ApiKey],
        [TicketSystemType.Webhook] = [TicketAuth.Hmac, TicketAuth.None],
    };

    /// <summary>Where the token, API key or HMAC secret comes from, keys under <paramref name="key"/>.</summary>
    public SecretSource Token(string key) => new(TokenEnv, TokenFile, $"{key}.tokenEnv", $"{key}.tokenFile");

    /// <summary>Where a secret address comes from (urlEnv/urlFile), keys under <paramref name="key"/>.</summary>
    public SecretSource SecretUrl(string key) => new(UrlEnv, UrlFile, $"{key}.urlEnv", $"{key}.urlFile");

    /// <summary>Where the basic-auth password comes from, keys under <paramref name="key"/>.</summary>
    public SecretSource Password(string key) => new(PasswordEnv, PasswordFile, $"{key}.passwordEnv", $"{key}.passwordFile");

    public IEnumerable<ConfigProblem> Validate(string key)
    {
        var secretUrl = SecretUrl(key);
        var sources = (string.IsNullOrEmpty(Url) ? 0 : 1) + (UrlEnv is { Length: > 0 } ? 1 : 0) + (UrlFile is { Length: > 0 } ? 1 : 0);
        if (sources != 1)
        {
            yield return new ConfigProblem($"{key}.url", sources == 0
                ? "is required (or urlEnv/urlFile when the address itself is the secret)"
                : "set one of url, urlEnv and urlFile");
        }
        else if (!secretUrl.IsSet && CheckUrl(Url, Type) is { } problem)
        {
            yield return new ConfigProblem($"{key}.url", problem);
        }
        var auth = EffectiveAuth;
        if (!AllowedAuth[Type].Contains(auth))
        {
            yield return new ConfigProblem($"{key}.auth", $"{auth.ToString().ToLowerInvariant()} is not supported by {Type.ToString().ToLowerInvariant()}; use {string.Join(" or ", AllowedAuth[Type].Select(a => a.ToString().ToLowerInvariant()))}");
        }
        var (token, password) = (Token(key), Password(key));
        foreach (var both in new[] { token.NotBoth(), password.NotBoth() }.OfType<ConfigProblem>())
        {
            yield return both;
        }
        switch (auth)
        {
            case TicketAuth.Basic:
                if (string.IsNullOrWhiteSpace(User))
                {
                    yield return new ConfigProblem($"{key}.user", "is required for basic auth");
                }
                if (!password.IsSet)
                {
                    yield return new ConfigProblem($"{key}.passwordEnv", "basic auth needs passwordEnv or passwordFile");
                }
                break;
            case TicketAuth.Token or TicketAuth.Bearer or TicketAuth.ApiKey or TicketAuth.Hmac:
                if (!token.IsSet)
                {
                    yield return new ConfigProblem($"{key}.tokenEnv", $"{auth.ToString().ToLowerInvariant()} auth needs tokenEnv or tokenFile");
                }
                break;
        }
        if (Timeout < TimeSpan.FromMilliseconds(100) || Timeout > TimeSpan.FromMinutes(10))
        {
            yield return new ConfigProblem($"{key}.timeout", "must be 100ms–10m");
        }
        foreach (var problem in Retry.Validate($"{key}.retry"))
        {
            yield return problem;
        }
    }
}

/// <summary>Retry policy for connection errors, timeouts, 429 and 5xx: exponential backoff with jitter, bounded.</summary>
public sealed class RetryOptions
{
    /// <summary>Attempts in total, the first included (1 = no retry).</summary>
    public int MaxAttempts { get; set; } = 5;
    /// <summary>Delay before the first retry; doubles each time (with jitter).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Cap of the backoff delay; a Retry-After longer than this ends the retries.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<ConfigProblem> Validate(string key)
    {
        if (MaxAttempts is < 1 or > 100)
        {
            yield return new ConfigProblem($"{key}.maxAttempts", "must be 1–100");
        }
        if (BaseDelay <= TimeSpan.Zero)
        {
            yield return new ConfigProblem($"{key}.baseDelay", "must be positive");
        }
        if (MaxDelay < BaseDelay)
        {
            yield return new ConfigProblem($"{key}.maxDelay", "must be at least baseDelay");
        }
    }
}
