using System.Net.NetworkInformation;
using Aeg.Configuration;
using Aeg.State;
using Aeg.Syslog;
using Serilog;
using Serilog.Events;

namespace Aeg.Annotations;

/// <summary>Builds the annotation pipeline's parts from a config file, for the commands.</summary>
public sealed class AnnotationHost
{
    private AnnotationHost(string configPath, AegOptions options, CefMappings mappings, string password, ILogger log)
    {
        ConfigPath = configPath;
        Options = options;
        Mappings = mappings;
        Log = log;
        HostName = string.IsNullOrWhiteSpace(options.HostName) ? LocalFqdn() : options.HostName;
        Database = new AnnotationDatabase(options.Database, password);
    }

    public string ConfigPath { get; }
    public AegOptions Options { get; }
    public CefMappings Mappings { get; }
    public ILogger Log { get; }
    public string HostName { get; }
    public AnnotationDatabase Database { get; }

    /// <summary>Loads and validates the config and the mappings; throws <see cref="ConfigException"/>.</summary>
    public static AnnotationHost Load(string configPath, ILogger log)
    {
        var options = AegConfig.Load(configPath);
        var mappings = CefMappingsFile.Load(options.Mappings);
        var password = DatabasePassword.Resolve(options.Database, configPath);
        if (DatabasePassword.WorldReadableWarning(options.Database) is { } warning)
        {
            log.Warning("{Warning}", warning);
        }
        if (options.Syslog.TlsInsecureSkipVerify)
        {
            log.Warning("syslog.tlsInsecureSkipVerify is on: the syslog server's certificate is NOT checked");
        }
        return new AnnotationHost(configPath, options, mappings, password, log);
    }

    public AnnotationSource CreateSource() => new(Database, Options.Source, Mappings.Fields.Select(f => f.Source).ToHashSet());

    public AnnotationMapper CreateMapper() => new(Mappings, Options.Syslog, HostName);

    public ISyslogSender CreateSender() => SyslogSenderFactory.Create(Options.Syslog, Log);

    public AnnotationPoller CreatePoller(ISyslogSender sender) => CreatePoller(sender, new AnnotationStateFile(Options.State.Directory));

    /// <summary>A poller whose cursor lives in <paramref name="store"/> (the shared table of an active/standby group).</summary>
    public AnnotationPoller CreatePoller(ISyslogSender sender, IAnnotationStateStore store) =>
        new(CreateSource(), CreateMapper(), sender, store, Options.Poller, Log);

    /// <summary>Console logging to stderr (stdout stays for command output).</summary>
    public static ILogger CreateLogger(bool debug) => new LoggerConfiguration()
        .MinimumLevel.Is(debug ? LogEventLevel.Debug : LogEventLevel.Information)
        .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture)
        .CreateLogger();

    /// <summary>This machine's FQDN, from the resolver configuration (no DNS query).</summary>
    public static string LocalFqdn()
    {
        var p = IPGlobalProperties.GetIPGlobalProperties();
        return string.IsNullOrEmpty(p.DomainName) || p.HostName.Contains('.') ? p.HostName : $"{p.HostName}.{p.DomainName}";
    }
}
