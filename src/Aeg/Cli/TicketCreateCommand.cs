using System.CommandLine;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Esm;
using Aeg.Rules;
using Aeg.Tickets;
using Serilog;

namespace Aeg.Cli;

/// <summary>
/// <c>aeg ticket create --event-id N --rule NAME [--dry-run]</c>: the command an ESM rule action or integration command
/// runs. Fetches the event from the ESM Service Layer, renders the rule's ticket, and hands the job to the durable
/// outbox: the running daemon or, when none claims it first, this command sends it (one ticket per dedupe key either way).
/// </summary>
internal static class TicketCreateCommand
{
    /// <summary>Exit codes a rule action can act on (docs/esm.md).</summary>
    public const int ExitUnknownEvent = 3, ExitTryLater = 75;

    private static readonly TimeSpan WaitForOtherProcess = TimeSpan.FromMinutes(2);

    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var eventId = new Option<long>("--event-id") { Description = "The ESM event id ($eventId in an ESM rule action or integration command).", Required = true };
        var ruleName = new Option<string>("--rule") { Description = "The rule whose actions render the ticket (its conditions are not checked).", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print every field of the ESM event and the rendered ticket; send nothing." };
        var command = new Command("create", "Create (or update) the ticket of an ESM event fetched by id through the ESM Service Layer.")
        {
            config, eventId, ruleName, dryRun, debug,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = AegHost.CreateLogger(parse.GetValue(debug));
            try
            {
                return await RunAsync(parse.GetValue(config)!.FullName, parse.GetValue(eventId), parse.GetValue(ruleName)!, parse.GetValue(dryRun),
                    parse.InvocationConfiguration.Output, log, cancellationToken);
            }
            catch (ConfigException ex)
            {
                log.Error("Configuration error:{NewLine}{Problems}", Environment.NewLine, ex.Message);
                return AnnotationCommandOptions.ExitConfig;
            }
            finally
            {
                (log as IDisposable)?.Dispose();
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string configFile, long id, string ruleName, bool dryRun, TextWriter output, ILogger log, CancellationToken cancellationToken)
    {
        var options = AegConfig.Load(configFile);
        if (id <= 0)
        {
            log.Error("--event-id must be a positive ESM event id, not {Id}", id);
            return AnnotationCommandOptions.ExitConfig;
        }
        var rules = options.Rules.Path is { Length: > 0 } path ? RuleLoader.Load(path, options.Tickets.TargetKinds()) : [];
        if (rules.FirstOrDefault(r => r.Name == ruleName) is not { } rule)
        {
            throw new ConfigException(configFile, "rules.path", $"no rule named '{ruleName}' (known: {string.Join(", ", rules.Select(r => r.Name))})");
        }
        var esmOptions = options.Esm ?? new();
        await using var client = EsmService.CreateClient(esmOptions, configFile, log);
        EsmEvent? esmEvent;
        try
        {
            esmEvent = await client.GetSecurityEventAsync(id, cancellationToken);
        }
        catch (EsmException ex)
        {
            log.Error("Cannot fetch ESM event {Id}: {Reason}", id, ex.Message);
            return ex.Failure switch
            {
                EsmFailure.Unavailable => ExitTryLater,
                EsmFailure.Authentication => AnnotationCommandOptions.ExitConfig,
                _ => AnnotationCommandOptions.ExitFailed,
            };
        }
        if (esmEvent is null)
        {
            log.Error("ESM does not know event {Id}", id);
            return ExitUnknownEvent;
        }
        var cefText = EsmCefEvent.From(esmEvent, id);
        var cefEvent = CefEvent.Parse(cefText);
        cefEvent.Enrichment = esmEvent;
        var missingKey = rule.Dedupe.Variables.FirstOrDefault(v => v.Default is null && cefEvent.Get(v.Field) is null);
        if (missingKey.Field is not null)
        {
            log.Error("Rule {Rule}: the dedupe key needs {{{{{Field}}}}}, which the ESM event does not give", rule.Name, missingKey.Field);
            return AnnotationCommandOptions.ExitConfig;
        }
        var works = CefRuleHandler.Render(rule, cefEvent, options.Rules.MissingValue, DateTimeOffset.UtcNow, esmOptions.MissingValue).ToList();
        if (dryRun)
        {
            Print(output, esmEvent, id, cefText, works);
            return AnnotationCommandOptions.ExitOk;
        }

        var counters = new TicketCounters();
        using var systems = TicketSystems.Create(options.Tickets, configFile, log, counters);
        var dispatcher = TicketService.CreateDispatcher(options.Tickets, options.State.Directory, systems, log, counters,
            Aeg.Daemon.OutboxDatabases.Open(options, configFile, log));
        dispatcher.Register(new EsmActiveListAction(client));
        dispatcher.Register(new EsmCaseAction(client));
        var cache = new EsmEventCache(Math.Max(1, esmOptions.CacheSize), esmOptions.CacheTtl > TimeSpan.Zero ? esmOptions.CacheTtl : TimeSpan.FromMinutes(1));
        cache.Put(id, esmEvent);
        dispatcher.Enricher = new EsmEnricher(new CachedEsmEventSource(client, cache), name => name == rule.Name ? rule : null,
            options.Rules.MissingValue, esmOptions.MissingValue, log);
        var exit = AnnotationCommandOptions.ExitOk;
        foreach (var work in works)
        {
            exit = Math.Max(exit, await DeliverAsync(dispatcher, work, log, cancellationToken));
        }
        return exit;
    }

    // The job is durable before anything is sent; whoever claims it first (this command, or a running daemon polling
    // the outbox) runs it under the key's claim, so the CEF listener's job for the same key waits its turn.
    private static async Task<int> DeliverAsync(TicketDispatcher dispatcher, TicketWork work, ILogger log, CancellationToken cancellationToken)
    {
        var jobId = dispatcher.Outbox.Add([work])[0];
        log.Information("Rule {Rule}: job {Job} for {Target} key {Key} is in the outbox {Path}", work.RuleName, jobId, work.Target, work.DedupeKey, dispatcher.Outbox.Store.Path);
        if (dispatcher.Outbox.ClaimById(jobId, "pending") is { } job)
        {
            var (outcome, error) = await dispatcher.RunJobAsync(job, cancellationToken, dispatcher.Outbox.Lease * 2);
            return Report(work, outcome.ToString().ToLowerInvariant(), TicketOf(dispatcher, work), error, log);
        }
        // Another process (the daemon) took it: wait for its outcome.
        var deadline = DateTime.UtcNow + WaitForOtherProcess;
        while (DateTime.UtcNow < deadline)
        {
            var (state, outcome, ticketRef, error) = OutboxJobState.Read(dispatcher.Outbox.Store.Path, jobId);
            if (state is "done" or "dead")
            {
                return Report(work, state == "dead" ? "failed" : outcome ?? "done", ticketRef, error, log);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
        log.Warning("Rule {Rule}: job {Job} is still pending in the outbox after {Wait}; the daemon sends it", work.RuleName, jobId, WaitForOtherProcess);
        return ExitTryLater;
    }

    private static string? TicketOf(TicketDispatcher dispatcher, TicketWork work) => dispatcher.Outbox.Store.Find(work.Target, work.DedupeKey)?.TicketRef;

    private static int Report(TicketWork work, string outcome, string? ticketRef, string? error, ILogger log)
    {
        switch (outcome)
        {
            case "created" or "updated" or "skipped":
                log.Information("Rule {Rule}: {Outcome} ticket {Ticket} in {Target} for key {Key}", work.RuleName, outcome, ticketRef ?? "(none)", work.Target, work.DedupeKey);
                return AnnotationCommandOptions.ExitOk;
            case "deferred":
                log.Warning("Rule {Rule}: not sent now ({Reason}); the job stays in the outbox and is retried", work.RuleName, error);
                return ExitTryLater;
            default:
                log.Error("Rule {Rule}: {Target} refused the ticket for key {Key}: {Error}; it is a dead letter (aeg tickets retry)", work.RuleName, work.Target, work.DedupeKey, error);
                return AnnotationCommandOptions.ExitFailed;
        }
    }

    private static void Print(TextWriter output, EsmEvent esmEvent, long id, string cefText, List<TicketWork> works)
    {
        output.WriteLine($"ESM event {id}: every field (path = value; (absent) where ESM has no value)");
        foreach (var (path, value) in esmEvent.Fields())
        {
            output.WriteLine($"  {path} = {value ?? "(absent)"}");
        }
        output.WriteLine();
        output.WriteLine($"CEF event built from it: {cefText}");
        foreach (var work in works)
        {
            output.WriteLine();
            output.WriteLine($"Ticket for {work.Target}, rule {work.RuleName}, dedupe key {work.DedupeKey}:");
            foreach (var (label, fields) in new[] { ("create", work.OnCreate), ("update", work.OnUpdate) })
            {
                if (fields is null)
                {
                    continue;
                }
                output.WriteLine($"  {label}:");
                foreach (var (name, value) in fields)
                {
                    output.WriteLine($"    {name}: {value.Replace("\n", "\n      ", StringComparison.Ordinal)}");
                }
            }
        }
    }
}
