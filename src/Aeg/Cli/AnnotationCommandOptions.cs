using System.CommandLine;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;
using Serilog;

namespace Aeg.Cli;

/// <summary>The options shared by the annotation commands and their common start-up.</summary>
internal static class AnnotationCommandOptions
{
    public const int ExitOk = 0, ExitFailed = 1, ExitConfig = 2;

    public static Option<FileInfo> Config() => new("--config", "-c")
    {
        Description = "Path of aeg.yaml.",
        Required = true,
    };

    public static Option<bool> Debug() => new("--debug") { Description = "Verbose logging." };

    /// <summary>A certificate or CA file of syslog TLS (in or out) that is missing or malformed; see <see cref="Syslog.PemFiles"/>.</summary>
    public static bool IsTlsFileError(InvalidOperationException ex) => ex.InnerException is { } inner && Syslog.PemFiles.IsFileProblem(inner);

    public static Option<bool> PrintEvents() => new("--print-events")
    {
        Description = "Print every received CEF event to standard output as one JSON line (the shape of `aeg cef parse`, plus \"sender\").",
    };

    /// <summary>Runs <paramref name="body"/> with a loaded host; config and state errors exit with code 2 and a clear message.</summary>
    public static async Task<int> WithHost(ParseResult parse, Option<FileInfo> config, Option<bool> debug,
        Func<AnnotationHost, Task<int>> body)
    {
        var log = AnnotationHost.CreateLogger(parse.GetValue(debug));
        ILogger? configured = null;
        try
        {
            var host = AnnotationHost.Load(parse.GetValue(config)!.FullName, log);
            // The console logger served until the config was read; now its logging: section applies.
            configured = Logging.AegLogging.Create(parse.GetValue(debug), host.Options.Logging);
            host.Log = configured;
            return await body(host);
        }
        catch (ConfigException ex)
        {
            log.Error("Configuration error:{NewLine}{Problems}", Environment.NewLine, ex.Message);
            return ExitConfig;
        }
        catch (StateFileException ex)
        {
            log.Error("State error: {Reason}", ex.Message);
            return ExitConfig;
        }
        catch (InvalidOperationException ex) when (IsTlsFileError(ex))
        {
            log.Error("TLS configuration error: {Reason}", ex.Message);
            return ExitConfig;
        }
        finally
        {
            (configured as IDisposable)?.Dispose();
            (log as IDisposable)?.Dispose();
        }
    }
}
