using System.Net.NetworkInformation;
using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;
using Aeg.Syslog;
using Serilog;

namespace Aeg.Daemon;

/// <summary>
/// A loaded <c>aeg.yaml</c> and the parts every command builds from it (database, mappings,
/// sender, poller, analytics); <see cref="AegDaemon"/> wires them into the running daemon.
/// </summary>
public sealed class AegHost
{
    private readonly CefMappings? _mappings;
    private readonly AnnotationDatabase? _database;
    private readonly Lazy<AnalyticsRecorder?> _analytics;

    private AegHost(string configPath, AegOptions options, CefMappings? mappings, string? password, ILogger log)
    {
        ConfigPath = configPath;
        Options = options;
        _mappings = mappings;
        Log = log;
        HostName = string.IsNullOrWhiteSpace(options.HostName) ? LocalFqdn() : options.HostName;
        _database = password is null ? null : new AnnotationDatabase(options.Database, password);
        _analytics = new Lazy<AnalyticsRecorder?>(CreateAnalytics);
    }

    public string ConfigPath { get; }
    public AegOptions Options { get; }
    /// <summary>The command's logger; replaced once the config's <c>logging:</c> section is known.</summary>
    public ILogger Log { get; internal set; }
    public string HostName { get; }

    /// <summary>Whether the annotation side (mappings, database password) was loaded; <c>aeg listen</c> needs neither.</summary>
    public bool HasAnnotations => _database is not null;

    public CefMappings Mappings => _mappings ?? throw NoAnnotations();
    public AnnotationDatabase Database => _database ?? throw NoAnnotations();

    /// <summary>
    /// Loads and validates the config and, unless <paramref name="annotations"/> is false, the
    /// mappings and the database password; throws <see cref="ConfigException"/>.
    /// </summary>
    public static AegHost Load(string configPath, ILogger log, bool annotations = true)
    {
        var options = AegConfig.Load(configPath);
        if (!annotations)
        {
            return new AegHost(configPath, options, null, null, log);
        }
        var mappings = AegConfig.LoadMappings(options);
        var password = DatabasePassword.Resolve(options.Database, configPath);
        if (DatabasePassword.WorldReadableWarning(options.Database) is { } warning)
        {
            log.Warning("{Warning}", warning);
        }
        if (options.Syslog.TlsInsecureSkipVerify)
        {
            log.Warning("syslog.tlsInsecureSkipVerify is on: the syslog server's certificate is NOT checked");
        }
        return new AegHost(configPath, options, mappings, password, log);
    }

    private static InvalidOperationException NoAnnotations() => new("the host was loaded without its annotation parts");

    public AnnotationSource CreateSource() => new(Database, Options.Source, Mappings.Fields.Select(f => f.Source).ToHashSet());

    public AnnotationMapper CreateMapper() => new(Mappings, Options.Syslog, HostName);

    public ISyslogSender CreateSender() => SyslogSenderFactory.Create(Options.Syslog, Log);

    public AnnotationPoller CreatePoller(ISyslogSender sender) => CreatePoller(sender, new AnnotationStateFile(Options.State.Directory));

    /// <summary>A poller whose cursor lives in <paramref name="store"/> (the shared table of an active/standby group).</summary>
    public AnnotationPoller CreatePoller(ISyslogSender sender, IAnnotationStateStore store) =>
        new(CreateSource(), CreateMapper(), sender, store, Options.Poller, Log, counters: Counters, consumer: Analytics,
            quarantine: QuarantineFile.In(Options.State.Directory))
        {
            DatabaseProbe = DependencyProbe.Database(Database),
        };

    /// <summary>
    /// The poller counters of this process. Every poller the host creates shares them, so an
    /// active/standby instance that gets a new poller per lease keeps one set of /metrics figures.
    /// </summary>
    public AnnotationCounters Counters { get; } = new();

    /// <summary>The analyst metrics recorder shared by the host's pollers (opened on first use), or null when off.</summary>
    public AnalyticsRecorder? Analytics => _analytics.Value;

    /// <summary>The analyst metrics recorder, or null when analytics are off or the history cannot be opened (events flow regardless).</summary>
    private AnalyticsRecorder? CreateAnalytics()
    {
        if (!Options.Analytics.Enabled)
        {
            return null;
        }
        try
        {
            var recorder = AnalyticsRecorder.Open(Options.Analytics, Options.State.Directory, Log, Options.Poller.BatchSize);
            if (Options.Analytics.Sla is { Any: true } sla)
            {
                recorder.Histograms.Breaches = new SlaBreachCounters(sla);
            }
            return recorder;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            Log.Error("Analyst metrics are off: cannot open {Path} ({Reason})", Options.Analytics.DatabaseFile(Options.State.Directory), ex.Message);
            return null;
        }
    }

    /// <summary>Console logging to stderr (stdout stays for command output).</summary>
    public static ILogger CreateLogger(bool debug) => Logging.AegLogging.Create(debug);

    /// <summary>This machine's FQDN, from the resolver configuration (no DNS query).</summary>
    public static string LocalFqdn()
    {
        var p = IPGlobalProperties.GetIPGlobalProperties();
        return string.IsNullOrEmpty(p.DomainName) || p.HostName.Contains('.') ? p.HostName : $"{p.HostName}.{p.DomainName}";
    }
}
