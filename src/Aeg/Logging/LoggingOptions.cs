using Aeg.Configuration;
using Serilog;
using Serilog.Events;

namespace Aeg.Logging;

/// <summary>The <c>logging:</c> section: level, and an optional rolling log file besides the console (stderr).</summary>
public sealed class LoggingOptions
{
    /// <summary>Lowest level written: verbose, debug, information, warning, error, fatal. <c>--debug</c> lowers it to debug.</summary>
    public LogEventLevel Level { get; set; } = LogEventLevel.Information;
    /// <summary>Folder of the rolling log files (<c>aeg-&lt;date&gt;.log</c>); no file when empty.</summary>
    public string? Directory { get; set; }
    /// <summary>When a new file starts: infinite, year, month, day, hour, minute.</summary>
    public RollingInterval RollingInterval { get; set; } = RollingInterval.Day;
    /// <summary>A file this big (MiB) is closed and the next one started; 0 for no limit.</summary>
    public int FileSizeLimitMB { get; set; } = 100;
    /// <summary>How many files are kept; older ones are deleted.</summary>
    public int RetainedFiles { get; set; } = 14;

    /// <summary>Problems with key paths under <paramref name="prefix"/>.</summary>
    public IEnumerable<ConfigProblem> Validate(string prefix)
    {
        if (Directory is { } d && string.IsNullOrWhiteSpace(d))
        {
            yield return new ConfigProblem($"{prefix}.directory", "must not be blank (leave it out for no log file)");
        }
        if (FileSizeLimitMB < 0)
        {
            yield return new ConfigProblem($"{prefix}.fileSizeLimitMB", "must not be negative (0 = no limit)");
        }
        if (RetainedFiles < 1)
        {
            yield return new ConfigProblem($"{prefix}.retainedFiles", "must be at least 1");
        }
    }
}
