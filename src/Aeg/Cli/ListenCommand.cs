using System.CommandLine;
using Aeg.Daemon;

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
        command.SetAction((parse, cancellationToken) => AnnotationCommandOptions.WithHost(parse, config, debug, async host =>
        {
            using var stop = new ShutdownSignals(cancellationToken);
            await using var daemon = await AegDaemon.StartAsync(host, AnnotationCommandOptions.EventPrinting(parse, printEvents));
            await daemon.RunAsync(stop.Token);
            return AnnotationCommandOptions.ExitOk;
        }, annotations: false));
        return command;
    }
}
