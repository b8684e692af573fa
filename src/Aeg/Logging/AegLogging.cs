using System.Globalization;
using Serilog;
using Serilog.Events;

namespace Aeg.Logging;

/// <summary>Builds Aeg's Serilog logger: the console (stderr, so stdout stays for command output) and, when configured, a rolling file.</summary>
public static class AegLogging
{
    /// <summary>Name pattern of the log files; Serilog inserts the date (and a sequence number past the size limit).</summary>
    public const string FileName = "aeg-.log";

    public static ILogger Create(bool debug, LoggingOptions? options = null)
    {
        var level = options?.Level ?? LogEventLevel.Information;
        if (debug && level > LogEventLevel.Debug)
        {
            level = LogEventLevel.Debug;
        }
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture);
        if (options?.Directory is { Length: > 0 } directory)
        {
            config = config.WriteTo.File(Path.Combine(directory, FileName),
                formatProvider: CultureInfo.InvariantCulture,
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}",
                rollingInterval: options.RollingInterval,
                fileSizeLimitBytes: options.FileSizeLimitMB > 0 ? options.FileSizeLimitMB * 1024L * 1024L : null,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: options.RetainedFiles);
        }
        return config.CreateLogger();
    }
}
