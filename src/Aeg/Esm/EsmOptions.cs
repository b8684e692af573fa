using Aeg.Configuration;
using Aeg.Tickets;

namespace Aeg.Esm;

/// <summary>The <c>esm:</c> section: where the ESM Service Layer is, who logs in, TLS trust, timeouts and retries.</summary>
public sealed class EsmOptions
{
    /// <summary>The ESM Manager's base address (<c>https://esm.example.com:8443</c>); empty: no ESM Service Layer is used.</summary>
    public string? Url { get; set; }

    /// <summary>The ESM user the Service Layer logs in as.</summary>
    public string? User { get; set; }

    /// <summary>Environment variable holding the user's password.</summary>
    public string? PasswordEnv { get; set; }

    /// <summary>File whose first line is the user's password.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>PEM file of the CA(s) that sign the Manager's certificate; empty: the system trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>Time limit of one HTTP attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time limit of opening the TCP and TLS connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of connection errors, timeouts, 429 and 5xx.</summary>
    public RetryOptions Retry { get; set; } = new() { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(30) };

    /// <summary>How many fetched events the enrichment cache keeps (0: no cache).</summary>
    public int CacheSize { get; set; } = 1000;

    /// <summary>How long a cached event is used before it is fetched again.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>What an <c>{{esm.…}}</c> template variable without a default renders as when the ESM event has no such field (or no event was found).</summary>
    public string MissingValue { get; set; } = "(not in ESM event)";

    /// <summary>Cases changed in ESM into tickets, and tickets back into cases (<c>esm.cases:</c>).</summary>
    public Cases.EsmCaseOptions Cases { get; set; } = new();

    /// <summary>Query viewers polled as sources of events for the rules (<c>esm.queryViewers:</c>).</summary>
    public List<QueryViewers.QueryViewerOptions> QueryViewers { get; set; } = [];

    /// <summary>True when <see cref="Url"/> is set.</summary>
    public bool IsConfigured => Url is { Length: > 0 };

    /// <summary>Where the password comes from, keys under <paramref name="key"/>.</summary>
    public SecretSource Password(string key) => new(PasswordEnv, PasswordFile, $"{key}.passwordEnv", $"{key}.passwordFile");

    /// <summary>Every problem of the section (nothing when it is not configured and empty).</summary>
    public IEnumerable<ConfigProblem> Validate(string key)
    {
        foreach (var problem in (Cases ?? new()).Validate($"{key}.cases", IsConfigured))
        {
            yield return problem;
        }
        var viewers = QueryViewers ?? [];
        for (var i = 0; i < viewers.Count; i++)
        {
            foreach (var problem in (viewers[i] ?? new()).Validate($"{key}.queryViewers[{i}]", IsConfigured))
            {
                yield return problem;
            }
        }
        foreach (var twice in viewers.Where(v => v?.Id is { Length: > 0 }).GroupBy(v => v.Id).Where(g => g.Count() > 1))
        {
            yield return new ConfigProblem($"{key}.queryViewers", $"query viewer {twice.Key} is listed twice (its rows would reach the rules twice)");
        }
        if (!IsConfigured)
        {
            if (User is { Length: > 0 } || Password(key).IsSet || CaFile is { Length: > 0 })
            {
                yield return new ConfigProblem($"{key}.url", "is required when any other esm key is set");
            }
            yield break;
        }
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ConfigProblem($"{key}.url", "must be an absolute https:// (or http://) address of the ESM Manager, e.g. https://esm.example.com:8443");
        }
        else if (uri.UserInfo.Length > 0)
        {
            // Never echo the URL: it holds a credential.
            yield return new ConfigProblem($"{key}.url", "must not contain credentials; use user with passwordEnv or passwordFile");
        }
        else if (uri.Query.Length > 0)
        {
            yield return new ConfigProblem($"{key}.url", "must not have a query string (the Service Layer paths are added by Aeg)");
        }
        if (string.IsNullOrWhiteSpace(User))
        {
            yield return new ConfigProblem($"{key}.user", "is required: the ESM user the Service Layer logs in as");
        }
        var password = Password(key);
        if (password.NotBoth() is { } both)
        {
            yield return both;
        }
        else if (!password.IsSet)
        {
            yield return new ConfigProblem($"{key}.passwordEnv", "the ESM login needs passwordEnv or passwordFile");
        }
        if (CaFile is { Length: > 0 } ca && !File.Exists(ca))
        {
            yield return new ConfigProblem($"{key}.caFile", $"no such file: {ca}");
        }
        if (Timeout < TimeSpan.FromMilliseconds(100) || Timeout > TimeSpan.FromMinutes(10))
        {
            yield return new ConfigProblem($"{key}.timeout", "must be 100ms–10m");
        }
        if (ConnectTimeout < TimeSpan.FromMilliseconds(100) || ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ConfigProblem($"{key}.connectTimeout", "must be 100ms–5m");
        }
        foreach (var problem in (Retry ?? new()).Validate($"{key}.retry"))
        {
            yield return problem;
        }
        if (CacheSize is < 0 or > 1_000_000)
        {
            yield return new ConfigProblem($"{key}.cacheSize", "must be 0–1000000");
        }
        if (MissingValue is null)
        {
            yield return new ConfigProblem($"{key}.missingValue", "must be a string (use \"\" for nothing)");
        }
        if (CacheTtl < TimeSpan.Zero)
        {
            yield return new ConfigProblem($"{key}.cacheTtl", "must not be negative");
        }
    }

    /// <summary>Makes file paths absolute against the config file's folder.</summary>
    public void ResolvePaths(string baseDir)
    {
        CaFile = CaFile is { Length: > 0 } ca ? Path.GetFullPath(ca, baseDir) : CaFile;
        PasswordFile = PasswordFile is { Length: > 0 } pw ? Path.GetFullPath(pw, baseDir) : PasswordFile;
    }
}
