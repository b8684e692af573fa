using Aeg.Analytics;
using Aeg.Configuration;
using Aeg.Esm;
using Aeg.Ha;
using Aeg.HttpEndpoint;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Syslog;
using Aeg.Tickets;

namespace Aeg.Daemon;

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
    /// <summary>The ESM Service Layer: full events for <c>enrich: esm</c> rules and <c>aeg ticket create</c>; see docs/esm.md.</summary>
    public EsmOptions Esm { get; set; } = new();
    /// <summary>The /metrics, /healthz and /readyz endpoint; see docs/http.md.</summary>
    public HttpOptions Http { get; set; } = new();
    /// <summary>Analyst metrics: which stages and flags mean responded, reviewed, closed; see docs/metrics.md.</summary>
    public AnalyticsOptions Analytics { get; set; } = new();
    /// <summary>Path of a cef-mappings.yaml, relative to the config file; null: the mappings built into aeg.</summary>
    public string? Mappings { get; set; }
    /// <summary>Name sent as syslog host and <c>shost</c>; this machine's FQDN when empty.</summary>
    public string? HostName { get; set; }
    /// <summary>Log level and the optional rolling log file (docs/configuration.md, <c>logging</c>).</summary>
    public Logging.LoggingOptions Logging { get; set; } = new();
}
