using System.CommandLine;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.HttpEndpoint;
using Aeg.Rules;

namespace Aeg.Cli;

/// <summary><c>aeg listen</c>: receive CEF over syslog, match the rules, make tickets; until Ctrl-C or SIGTERM.</summary>
internal static class ListenCommand
{
    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var printEvents = AnnotationCommandOptions.PrintEvents();
        var command = new Command("listen", "Receive CEF over syslog and turn matching events into tickets (no annotation polling).") { config, debug, printEvents };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = AnnotationHost.CreateLogger(parse.GetValue(debug));
            var path = parse.GetValue(config)!.FullName;
            using var signals = new ShutdownSignals(cancellationToken);
            try
            {
                var options = AegConfig.Load(path);
                var console = log;
                log = Logging.AegLogging.Create(parse.GetValue(debug), options.Logging);
                (console as IDisposable)?.Dispose();
                await using var pipeline = CefTicketPipeline.Create(options, path, log, parse.GetValue(printEvents) ? Console.OpenStandardOutput() : null);
                await using var http = await AegHttpServer.StartIfEnabledAsync(options, path, new DaemonParts(Pipeline: pipeline), log);
                await pipeline.RunAsync(signals.Token);
                return AnnotationCommandOptions.ExitOk;
            }
            catch (ConfigException ex)
            {
                log.Error("Configuration error:{NewLine}{Problems}", Environment.NewLine, ex.Message);
                return AnnotationCommandOptions.ExitConfig;
            }
            catch (InvalidOperationException ex) when (AnnotationCommandOptions.IsTlsFileError(ex))
            {
                log.Error("TLS configuration error: {Reason}", ex.Message);
                return AnnotationCommandOptions.ExitConfig;
            }
            catch (InvalidOperationException ex) when (ex.InnerException is System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                log.Error("{Reason}", ex.Message);
                return AnnotationCommandOptions.ExitFailed;
            }
            finally
            {
                (log as IDisposable)?.Dispose();
            }
        });
        return command;
    }
}
