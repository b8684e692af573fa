using Aeg.Analytics;
using Aeg.Ha;
using Aeg.HttpEndpoint;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Syslog;
using Aeg.Tickets;

namespace Aeg.Configuration;

/// <summary>The whole <c>aeg.yaml</c> as typed options; see docs/configuration.md for every key.</summary>
public sealed class AegOptions
{
    public DatabaseOptions Database { get; set; } = new();
    public SourceOptions Source { get; set; } = new();
    public PollerOptions Poller { get; set; } = new();
    public StateOptions State { get; set; } = new();
    /// <summary>Active/standby polling across instances; see docs/scaling.md.</summary>
    public HaOptions Ha { get; set; } = new();
    public SyslogOutputOptions Syslog { get; set; } = new();
    /// <summary>Syslog listeners for CEF input (docs/listener.md).</summary>
    public ListenOptions Listen { get; set; } = new();
    /// <summary>Ticket systems, dead letters and the dispatcher; see docs/tickets.md.</summary>
    public TicketsOptions Tickets { get; set; } = new();
    public RulesOptions Rules { get; set; } = new();
    /// <summary>The /metrics, /healthz and /readyz endpoint; see docs/http.md.</summary>
    public HttpOptions Http { get; set; } = new();
    /// <summary>Analyst metrics: which stages and flags mean responded, reviewed, closed; see docs/metrics.md.</summary>
    public AnalyticsOptions Analytics { get; set; } = new();
    /// <summary>Path of cef-mappings.yaml; relative paths are relative to the config file.</summary>
    public string Mappings { get; set; } = "cef-mappings.yaml";
    /// <summary>Name sent as syslog host and <c>shost</c>; this machine's FQDN when empty.</summary>
    public string? HostName { get; set; }
    /// <summary>Log level and the optional rolling log file (docs/configuration.md, <c>logging</c>).</summary>
    public Logging.LoggingOptions Logging { get; set; } = new();
}

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
}

/// <summary>A resource table that turns an id column into a name (and optionally a URI).</summary>
public sealed class LookupOptions
{
    public string Table { get; set; } = "";
    public string IdColumn { get; set; } = "id";
    public string NameColumn { get; set; } = "name";
    public string? UriColumn { get; set; }
}

/// <summary>Polling cadence, batching, the late-commit window and the first start position.</summary>
public sealed class PollerOptions
{
    /// <summary>Pause between polls once caught up (at least 1 s); a full batch is followed at once.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
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
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Where the cursor and other durable state live.</summary>
public sealed class StateOptions
{
    public string Directory { get; set; } = "/var/lib/aeg";
}
