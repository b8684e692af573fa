using System.CommandLine;
using Aeg.Daemon;

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
            await using var daemon = await AegDaemon.StartAsync(host, AnnotationCommandOptions.EventPrinting(parse, printEvents));
            await daemon.RunAsync(stop.Token);
            return AnnotationCommandOptions.ExitOk;
        }));
        return command;
    }
}
