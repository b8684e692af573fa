using System.CommandLine;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Listener;
using Aeg.State;
using Serilog;

namespace Aeg.Cli;

/// <summary>The options shared by the annotation commands and their common start-up.</summary>
internal static class AnnotationCommandOptions
{
    public const int ExitOk = 0, ExitFailed = 1, ExitConfig = 2;

    /// <summary>
    /// Loads aeg.yaml for a command that needs only its values (no host, no logger); false after writing
    /// the problems to <paramref name="error"/> (exit with <see cref="ExitConfig"/>).
    /// </summary>
    public static bool TryLoad(ParseResult parse, Option<FileInfo> config, TextWriter error, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AegOptions? options)
    {
        try
        {
            options = AegConfig.Load(parse.GetValue(config)!.FullName);
            return true;
        }
        catch (ConfigException ex)
        {
            error.WriteLine($"Configuration error:{Environment.NewLine}{ex.Message}");
            options = null;
            return false;
        }
    }

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

    /// <summary>With <c>--print-events</c>, wraps the inbound rule handler in an <see cref="EventPrinter"/> to standard output.</summary>
    public static Func<ICefMessageHandler, ICefMessageHandler>? EventPrinting(ParseResult parse, Option<bool> printEvents) =>
        parse.GetValue(printEvents) ? handler => new EventPrinter(handler, Console.OpenStandardOutput()) : null;

    /// <summary>
    /// Runs <paramref name="body"/> with a loaded host (without mappings and database password when
    /// <paramref name="annotations"/> is false); config, state and TLS file errors and a listener that
    /// cannot bind (port in use, no permission) exit with code 2, each with a one-line message.
    /// </summary>
    public static async Task<int> WithHost(ParseResult parse, Option<FileInfo> config, Option<bool> debug,
        Func<AegHost, Task<int>> body, bool annotations = true)
    {
        var log = AegHost.CreateLogger(parse.GetValue(debug));
        ILogger? configured = null;
        try
        {
            var host = AegHost.Load(parse.GetValue(config)!.FullName, log, annotations);
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
        catch (InvalidOperationException ex) when (ex.InnerException is System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            // The environment, not the data, is wrong: a restart cannot help until someone frees the
            // port or grants it, which is what code 2 tells systemd and scripts.
            log.Error("{Reason}", ex.Message);
            return ExitConfig;
        }
        finally
        {
            (configured as IDisposable)?.Dispose();
            (log as IDisposable)?.Dispose();
        }
    }
}
