using System.CommandLine;
using System.Runtime.InteropServices;

namespace Aeg.Cli;

/// <summary><c>aeg run</c>: the daemon; polls until Ctrl-C or SIGTERM, then stops after the current batch.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var command = new Command("run", "Run the Annotation Event Generator until stopped.") { config, debug };
        command.SetAction((parse, cancellationToken) => AnnotationCommandOptions.WithHost(parse, config, debug, async host =>
        {
            // SIGTERM (systemd stop, docker stop) and Ctrl-C end the loop after the current batch
            // instead of killing the process mid-batch.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopGracefully(stop));
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopGracefully(stop));
            await using var sender = host.CreateSender();
            await using var poller = host.CreatePoller(sender);
            poller.Initialize();
            host.Log.Information("Polling {Database} every {Interval}, sending to {Destination}",
                host.Database.Description, host.Options.Poller.Interval, sender.Destination);
            await poller.RunAsync(stop.Token);
            return AnnotationCommandOptions.ExitOk;
        }));
        return command;
    }

    private static Action<PosixSignalContext> StopGracefully(CancellationTokenSource stop) => context =>
    {
        context.Cancel = true;
        stop.Cancel();
    };
}
