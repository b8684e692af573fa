using System.CommandLine;
using Aeg.Ha;
using Aeg.HttpEndpoint;
using Aeg.Rules;

namespace Aeg.Cli;

/// <summary><c>aeg run</c>: the daemon; polls until Ctrl-C or SIGTERM, then stops after the current batch.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var printEvents = AnnotationCommandOptions.PrintEvents();
        var command = new Command("run", "Run the Annotation Event Generator (and the CEF listener when listen.listeners is set) until stopped.") { config, debug, printEvents };
        command.SetAction((parse, cancellationToken) => AnnotationCommandOptions.WithHost(parse, config, debug, async host =>
        {
            // SIGTERM (systemd stop) and Ctrl-C end the loop after the current batch instead of
            // killing the process mid-batch.
            using var stop = new ShutdownSignals(cancellationToken);
            await using var sender = host.CreateSender();
            // With ha.enabled the poller is created only while this instance holds the lease (Aeg.Ha).
            await using var poller = host.Options.Ha.Enabled ? null : host.CreatePoller(sender);
            poller?.Initialize();
            // The CEF listener and ticket bridge run alongside when listeners are configured.
            await using var pipeline = host.Options.Listen.Listeners.Count > 0 ? CefTicketPipeline.Create(host.Options, host.ConfigPath, host.Log, parse.GetValue(printEvents) ? Console.OpenStandardOutput() : null) : null;
            if (pipeline is not null)
            {
                await pipeline.StartAsync();
            }
            await using var http = await AegHttpServer.StartIfEnabledAsync(host.Options, host.ConfigPath, new DaemonParts(poller, sender, pipeline, host.Counters, host.Analytics), host.Log);
            host.Log.Information("Polling {Database} every {Interval}, sending to {Destination}",
                host.Database.Description, host.Options.Poller.Interval, sender.Destination);
            await (poller?.RunAsync(stop.Token) ?? new ActiveStandbyPoller(host, sender).RunAsync(stop.Token));
            if (pipeline is not null)
            {
                await pipeline.StopAsync();
            }
            return AnnotationCommandOptions.ExitOk;
        }));
        return command;
    }
}
