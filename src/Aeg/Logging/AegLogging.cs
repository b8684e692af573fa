using System.Globalization;
using Aeg.Configuration;
using Serilog;
using Serilog.Configuration;
using Serilog.Events;

namespace Aeg.Logging;

/// <summary>Builds Aeg's Serilog logger: the console (stderr, so stdout stays for command output) and, when configured, a rolling file.</summary>
public static class AegLogging
{
    /// <summary>Name pattern of the log files; Serilog inserts the date (and a sequence number past the size limit).</summary>
    public const string FileName = "aeg-.log";

    /// <summary>Every line a person reads: ISO 8601 date, time and zone, the level, the message.</summary>
    public const string Template = "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}";

    // Under systemd stderr is the journal (which sets JOURNAL_STREAM): journald stamps each line
    // itself, and a "<N>" prefix (sd-daemon(3)) gives the line its priority for `journalctl -p`.
    private const string JournalTemplate = "<{SyslogPriority}>{Message:lj}{NewLine}{Exception}";

    public static ILogger Create(bool debug, LoggingOptions? options = null)
    {
        var level = options?.Level ?? LogEventLevel.Information;
        if (debug && level > LogEventLevel.Debug)
        {
            level = LogEventLevel.Debug;
        }
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .Enrich.With<SyslogPriorityEnricher>();
        // Every sink behind the one scrubber: no secret the process read reaches stderr, the journal or the file.
        var sinks = LoggerSinkConfiguration.CreateSink(sinks =>
        {
            sinks.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture,
                outputTemplate: UnderJournald ? JournalTemplate : Template);
            if (options?.Directory is { Length: > 0 } directory)
            {
                sinks.File(Path.Combine(directory, FileName),
                    formatProvider: CultureInfo.InvariantCulture,
                    outputTemplate: Template,
                    rollingInterval: options.RollingInterval,
                    fileSizeLimitBytes: options.FileSizeLimitMB > 0 ? options.FileSizeLimitMB * 1024L * 1024L : null,
                    rollOnFileSizeLimit: true,
                    retainedFileCountLimit: options.RetainedFiles);
            }
        });
        return config.WriteTo.Sink(new ScrubbingSink(sinks, SecretRegistry.Shared)).CreateLogger();
    }

    private static bool UnderJournald => Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 };

    /// <summary>The syslog priority of a level (3 err, 4 warning, 6 info, 7 debug) for the journal's line prefix.</summary>
    private sealed class SyslogPriorityEnricher : Serilog.Core.ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory) =>
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("SyslogPriority", logEvent.Level switch
            {
                LogEventLevel.Fatal => 2,
                LogEventLevel.Error => 3,
                LogEventLevel.Warning => 4,
                LogEventLevel.Information => 6,
                _ => 7,
            }));
    }
}
