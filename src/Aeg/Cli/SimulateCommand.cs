using System.CommandLine;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Simulation;
using Serilog;

namespace Aeg.Cli;

/// <summary><c>aeg simulate</c>: analysts annotating events in a database with the shipped schema, for the demo, ESM rule tests and load tests.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var db = new Option<string>("--db")
        {
            Description = "Where to write: mysql://user@host[:port]/database[?sslMode=None], or the path of an aeg.yaml (its database: section).",
            Required = true,
        };
        var passwordEnv = new Option<string?>("--password-env") { Description = "With a mysql:// address: the environment variable holding the password." };
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = "With a mysql:// address: a file whose first line is the password." };
        var analysts = new Option<int>("--analysts") { Description = "Number of analysts (alice, bob, carol, …).", DefaultValueFactory = _ => 5 };
        var events = new Option<int>("--events") { Description = "Number of events to work through to Final or Closed.", DefaultValueFactory = _ => 1000 };
        var speed = new Option<string>("--speed") { Description = "Simulated time per wall-clock time: 60x plays an hour in a minute; max does not wait.", DefaultValueFactory = _ => "60x" };
        var seed = new Option<int?>("--seed") { Description = "Random seed: the same seed plays the same edits." };
        var createSchema = new Option<bool>("--create-schema") { Description = "Create the tables of content/esm/schema.sql first (if they do not exist)." };
        var progress = new Option<double>("--progress-seconds") { Description = "Seconds between progress lines on stderr.", DefaultValueFactory = _ => 5 };
        var debug = AnnotationCommandOptions.Debug();
        var command = new Command("simulate", "Write realistic annotation activity (analysts moving events Queued → Initial → Follow-Up → Final/Closed) into a database with the ESM annotation schema.")
        {
            db, passwordEnv, passwordFile, analysts, events, speed, seed, createSchema, progress, debug,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = AegHost.CreateLogger(parse.GetValue(debug));
            try
            {
                if (!SimulationSpeed.TryParse(parse.GetValue(speed), out var pace))
                {
                    log.Error("--speed: '{Speed}' is not a speed such as 60x, 1x, 0.5x or max", parse.GetValue(speed));
                    return AnnotationCommandOptions.ExitConfig;
                }
                if (parse.GetValue(analysts) < 1 || parse.GetValue(events) < 0)
                {
                    log.Error("--analysts must be at least 1 and --events not negative");
                    return AnnotationCommandOptions.ExitConfig;
                }
                var (options, password) = SimulationTarget.Resolve(parse.GetValue(db)!, parse.GetValue(passwordEnv), parse.GetValue(passwordFile)?.FullName);
                var database = new AnnotationDatabase(options, password);
                var settings = new SimulationSettings(parse.GetValue(analysts), parse.GetValue(events), parse.GetValue(seed));
                var simulator = new AnnotationSimulator(settings);
                using var stop = new ShutdownSignals(cancellationToken);
                await using var writer = await AnnotationWriter.OpenAsync(database, simulator.Analysts, parse.GetValue(createSchema), settings.Seed, stop.Token);
                log.Information("Simulating {Analysts} analysts working {Events} events at {Speed} in {Database} (event ids from {First})",
                    settings.Analysts, settings.Events, pace, database.Description, writer.FirstEventId);
                var runner = new SimulationRunner(simulator, writer.WriteAsync, pace, settings.Events, log,
                    TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(progress))));
                var finished = await runner.RunAsync(stop.Token);
                log.Information(finished ? "Simulation finished" : "Simulation stopped before the end");
                return AnnotationCommandOptions.ExitOk;
            }
            catch (ConfigException ex)
            {
                log.Error("Configuration error:{NewLine}{Problems}", Environment.NewLine, ex.Message);
                return AnnotationCommandOptions.ExitConfig;
            }
            catch (System.Data.Common.DbException ex)
            {
                log.Error("Database error: {Reason} (does the schema exist? --create-schema creates it)", ex.Message);
                return AnnotationCommandOptions.ExitFailed;
            }
            catch (InvalidOperationException ex)
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
