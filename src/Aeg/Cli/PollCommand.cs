using System.CommandLine;

namespace Aeg.Cli;

/// <summary><c>aeg poll --once</c>: one poll cycle for cron; exit code 0 only if every row was sent.</summary>
internal static class PollCommand
{
    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var once = new Option<bool>("--once") { Description = "Run one cycle and exit (required; `aeg run` is the daemon).", Required = true };
        var attempts = new Option<int>("--attempts") { Description = "Tries before giving up on a failing database or syslog destination.", DefaultValueFactory = _ => 3 };
        var command = new Command("poll", "Poll the annotation table once, send every new row, and exit.") { config, once, attempts, debug };
        command.SetAction((parse, cancellationToken) => AnnotationCommandOptions.WithHost(parse, config, debug, async host =>
        {
            if (host.Options.Ha.Enabled)
            {
                host.Log.Error("ha.enabled is set: `aeg poll --once` would poll beside the active instance with a cursor of its own; use `aeg run`");
                return AnnotationCommandOptions.ExitConfig;
            }
            await using var sender = host.CreateSender();
            await using var poller = host.CreatePoller(sender);
            poller.Initialize();
            var ok = await poller.PollOnceWithRetryAsync(Math.Max(1, parse.GetValue(attempts)), cancellationToken);
            host.Log.Information("Poll {Outcome}: {Counters}; cursor {Cursor}", ok ? "complete" : "FAILED", poller.Counters, poller.Cursor);
            return ok ? AnnotationCommandOptions.ExitOk : AnnotationCommandOptions.ExitFailed;
        }));
        return command;
    }
}
