using System.Globalization;

namespace Aeg.Configuration;

/// <summary>Where the ESM MySQL database is and how to log in (read-only access suffices).</summary>
public sealed class DatabaseOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 3306;
    public string Database { get; set; } = "arcsight";
    public string User { get; set; } = "aeg_reader";
    /// <summary>Name of the environment variable holding the password.</summary>
    public string? PasswordEnv { get; set; }
    /// <summary>Path of a file whose first line is the password.</summary>
    public string? PasswordFile { get; set; }
    /// <summary>MySQL SSL mode: None, Preferred, Required, VerifyCA, VerifyFull.</summary>
    public string SslMode { get; set; } = "Preferred";
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    private static readonly string[] SslModes = ["None", "Preferred", "Required", "VerifyCA", "VerifyFull"];

    /// <summary>Where the password comes from, with the keys that name its sources.</summary>
    public SecretSource Password(string keyPrefix) => new(PasswordEnv, PasswordFile, $"{keyPrefix}.passwordEnv", $"{keyPrefix}.passwordFile");

    /// <summary>Every problem of this section, keys prefixed with <paramref name="keyPrefix"/>.</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return new ConfigProblem($"{keyPrefix}.host", "must not be empty");
        }
        if (Port is <= 0 or >= 65536)
        {
            yield return new ConfigProblem($"{keyPrefix}.port", "must be 1–65535");
        }
        if (string.IsNullOrWhiteSpace(Database))
        {
            yield return new ConfigProblem($"{keyPrefix}.database", "must not be empty");
        }
        if (string.IsNullOrWhiteSpace(User))
        {
            yield return new ConfigProblem($"{keyPrefix}.user", "must not be empty");
        }
        if (Password(keyPrefix).NotBoth() is { } both)
        {
            yield return both;
        }
        if (!SslModes.Contains(SslMode, StringComparer.OrdinalIgnoreCase))
        {
            yield return new ConfigProblem($"{keyPrefix}.sslMode", $"must be one of {string.Join(", ", SslModes)}");
        }
        if (ConnectTimeout < TimeSpan.FromSeconds(1))
        {
            yield return new ConfigProblem($"{keyPrefix}.connectTimeout", "must be at least 1s");
        }
        if (CommandTimeout < TimeSpan.FromSeconds(1))
        {
            yield return new ConfigProblem($"{keyPrefix}.commandTimeout", "must be at least 1s");
        }
    }
}

/// <summary>How the modification time column is stored.</summary>
public enum TimeKind { EpochMs, Datetime }

/// <summary>Which table and columns the poller reads; the default matches content/esm/schema.sql.</summary>
public sealed class SourceOptions
{
    public string Table { get; set; } = "arc_event_annotation";
    /// <summary>How all time columns are stored: epoch milliseconds (BIGINT) or DATETIME (read as UTC).</summary>
    public TimeKind TimeKind { get; set; } = TimeKind.EpochMs;
    public SourceColumns Columns { get; set; } = new();
    /// <summary>Resolves the stage column (an id) to a name and URI; null when the column holds the name.</summary>
    public LookupOptions? StageLookup { get; set; } = new() { Table = "arc_resource", IdColumn = "id", NameColumn = "name", UriColumn = "uri" };
    /// <summary>Resolves user columns (ids) to names; null when the columns hold the names.</summary>
    public LookupOptions? UserLookup { get; set; } = new() { Table = "arc_resource", IdColumn = "id", NameColumn = "name" };

    /// <summary>Every problem of this section, keys prefixed with <paramref name="keyPrefix"/>.</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        var problems = new List<ConfigProblem>();
        SqlNames.CheckTable(Table, $"{keyPrefix}.table", problems);
        foreach (var (key, name, required) in Columns.Named())
        {
            SqlNames.CheckColumn(name, $"{keyPrefix}.columns.{key}", required, problems);
        }
        foreach (var (lookup, key) in new[] { (StageLookup, $"{keyPrefix}.stageLookup"), (UserLookup, $"{keyPrefix}.userLookup") })
        {
            lookup?.Validate(key, problems);
        }
        return problems;
    }
}

/// <summary>Column names of the annotation table; an empty optional column is read as NULL.</summary>
public sealed class SourceColumns
{
    public string EventId { get; set; } = "event_id";
    public string Version { get; set; } = "version";
    public string ModificationTime { get; set; } = "modification_time";
    public string? ModifiedBy { get; set; } = "modified_by";
    public string? Stage { get; set; } = "stage";
    public string? StageUpdateTime { get; set; } = "stage_update_time";
    public string? StageUser { get; set; } = "stage_user";
    public string? CurrentComment { get; set; } = "current_comment";
    public string? AuditTrail { get; set; } = "audit_trail";
    public string? Flags { get; set; } = "flags";
    public string? EndTime { get; set; } = "end_time";
    public string? ManagerReceiptTime { get; set; } = "manager_receipt_time";

    /// <summary>Each column with its YAML key and whether it must be set, in the order they are checked.</summary>
    internal IEnumerable<(string Key, string? Name, bool Required)> Named() =>
    [
        ("eventId", EventId, true), ("version", Version, true), ("modificationTime", ModificationTime, true),
        ("modifiedBy", ModifiedBy, false), ("stage", Stage, false), ("stageUpdateTime", StageUpdateTime, false),
        ("stageUser", StageUser, false), ("currentComment", CurrentComment, false), ("auditTrail", AuditTrail, false),
        ("flags", Flags, false), ("endTime", EndTime, false), ("managerReceiptTime", ManagerReceiptTime, false),
    ];
}

/// <summary>A resource table that turns an id column into a name (and optionally a URI).</summary>
public sealed class LookupOptions
{
    public string Table { get; set; } = "";
    public string IdColumn { get; set; } = "id";
    public string NameColumn { get; set; } = "name";
    public string? UriColumn { get; set; }

    internal void Validate(string key, List<ConfigProblem> problems)
    {
        SqlNames.CheckTable(Table, key + ".table", problems);
        SqlNames.CheckColumn(IdColumn, key + ".idColumn", required: true, problems);
        SqlNames.CheckColumn(NameColumn, key + ".nameColumn", required: true, problems);
        SqlNames.CheckColumn(UriColumn, key + ".uriColumn", required: false, problems);
    }
}

/// <summary>Polling cadence, batching, the late-commit window and the first start position.</summary>
public sealed class PollerOptions
{
    /// <summary>Pause between polls once caught up (at least <see cref="MinInterval"/>); a full batch is followed at once.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
    public int BatchSize { get; set; } = 5000;
    /// <summary>Rows committed this late (by this machine's clock) with an older timestamp are still sent once.</summary>
    public TimeSpan LookBack { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Bound on the (event_id, version) keys remembered for the look-back window.</summary>
    public int LookBackMaxRemembered { get; set; } = 100_000;
    /// <summary><c>now</c>, <c>beginning</c>, or an ISO 8601 time.</summary>
    public string FirstStart { get; set; } = "now";
    /// <summary>Also count a gap when an event is first seen with version &gt; 1.</summary>
    public bool GapOnFirstSight { get; set; }
    /// <summary>How many event ids' last versions are remembered for gap detection.</summary>
    public int VersionMemory { get; set; } = 100_000;
    /// <summary>Rows dated further ahead of this machine's clock are sent, but the cursor does not follow them.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How far back the periodic search for late commits (rows behind the cursor never sent) reaches.</summary>
    public TimeSpan LateCommitHorizon { get; set; } = TimeSpan.FromHours(1);
    /// <summary>How often that search runs (the look-back window is searched on every poll).</summary>
    public TimeSpan LateCommitCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>A database or syslog destination that has not answered this long is logged at ERR (once per outage).</summary>
    public TimeSpan EscalateAfter { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The shortest <see cref="Interval"/>: an idle poll costs one or two indexed range queries
    /// (docs/annotations.md), so five a second is still light, and below that the latency is
    /// dominated by ESM's own commit and the network rather than the wait.
    /// </summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Every problem of this section, keys prefixed with <paramref name="keyPrefix"/>.</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (Interval < MinInterval)
        {
            yield return new ConfigProblem($"{keyPrefix}.interval", "must be at least 200ms (each poll is a database query)");
        }
        if (BatchSize is < 1 or > 1_000_000)
        {
            yield return new ConfigProblem($"{keyPrefix}.batchSize", "must be 1–1000000");
        }
        if (LookBack > TimeSpan.FromDays(1))
        {
            yield return new ConfigProblem($"{keyPrefix}.lookBack", "must be at most 1d");
        }
        if (LookBackMaxRemembered < 1)
        {
            yield return new ConfigProblem($"{keyPrefix}.lookBackMaxRemembered", "must be at least 1");
        }
        if (VersionMemory < 0)
        {
            yield return new ConfigProblem($"{keyPrefix}.versionMemory", "must not be negative");
        }
        if (MaxClockSkew < TimeSpan.Zero || MaxClockSkew > TimeSpan.FromDays(1))
        {
            yield return new ConfigProblem($"{keyPrefix}.maxClockSkew", "must be 0s–1d");
        }
        if (LateCommitHorizon < TimeSpan.Zero || LateCommitHorizon > TimeSpan.FromDays(7))
        {
            yield return new ConfigProblem($"{keyPrefix}.lateCommitHorizon", "must be 0s–7d (0s turns the search off)");
        }
        if (EscalateAfter < TimeSpan.FromSeconds(1))
        {
            yield return new ConfigProblem($"{keyPrefix}.escalateAfter", "must be at least 1s");
        }
        if (LateCommitCheckInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ConfigProblem($"{keyPrefix}.lateCommitCheckInterval", "must be at least 1s");
        }
        if (!TryParseFirstStart(FirstStart, out _))
        {
            yield return new ConfigProblem($"{keyPrefix}.firstStart", "must be 'now', 'beginning' or an ISO 8601 time such as 2026-11-01T00:00:00Z");
        }
        if (RetryMinDelay <= TimeSpan.Zero)
        {
            yield return new ConfigProblem($"{keyPrefix}.retryMinDelay", "must be positive");
        }
        if (RetryMaxDelay < RetryMinDelay)
        {
            yield return new ConfigProblem($"{keyPrefix}.retryMaxDelay", "must be at least retryMinDelay");
        }
    }

    /// <summary>Parses <c>poller.firstStart</c>: null for "now", <see cref="DateTimeOffset.MinValue"/> for "beginning".</summary>
    public static bool TryParseFirstStart(string text, out DateTimeOffset? start)
    {
        start = null;
        if (text.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (text.Equals("beginning", StringComparison.OrdinalIgnoreCase))
        {
            start = DateTimeOffset.MinValue;
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            start = t;
            return true;
        }
        return false;
    }
}

/// <summary>Where the cursor and other durable state live.</summary>
public sealed class StateOptions
{
    public string Directory { get; set; } = "/var/lib/aeg";

    /// <summary>Every problem of this section, keys prefixed with <paramref name="keyPrefix"/>.</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            yield return new ConfigProblem($"{keyPrefix}.directory", "must not be empty");
        }
    }
}
