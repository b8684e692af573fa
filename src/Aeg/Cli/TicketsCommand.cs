using System.CommandLine;
using System.Globalization;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Tickets;

namespace Aeg.Cli;

/// <summary><c>aeg tickets list|retry</c>: show the dedupe store; replay dead letters.</summary>
internal static class TicketsCommand
{
    public static Command Create()
    {
        var command = new Command("tickets", "Ticket dedupe store, outbox and dead letters; tickets from ESM events (create).");
        // `aeg ticket create …` reads better in an ESM rule action.
        command.Aliases.Add("ticket");
        command.Subcommands.Add(TicketCreateCommand.Create());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Retry());
        return command;
    }

    private static Command List()
    {
        var config = AnnotationCommandOptions.Config();
        var limit = new Option<int>("--limit") { Description = "Show at most this many mappings, newest first.", DefaultValueFactory = _ => 1000 };
        var command = new Command("list", "Show the dedupe store: which dedupe key maps to which ticket.") { config, limit, AnnotationCommandOptions.Debug() };
        command.SetAction(parse =>
        {
            if (!AnnotationCommandOptions.TryLoad(parse, config, Console.Error, out var options))
            {
                return AnnotationCommandOptions.ExitConfig;
            }
            var dbPath = TicketStore.DefaultPath(options.State.Directory);
            // Listing must not create state: without a database there is nothing to show.
            var shared = options.Tickets.Store == TicketStoreKind.Mariadb;
            var outbox = shared || File.Exists(dbPath)
                ? new TicketOutbox(Aeg.Daemon.OutboxDatabases.Open(options, parse.GetValue(config)!.FullName, Serilog.Core.Logger.None), (options.Tickets.Outbox ?? new()).Lease)
                : null;
            dbPath = outbox?.Store.Path ?? dbPath;
            var rows = outbox?.Store.List(Math.Max(1, parse.GetValue(limit))) ?? [];
            var counts = outbox?.Counts() ?? new OutboxCounts(0, 0, 0);
            var files = new DeadLetterStore(options.Tickets.DeadLetterPath(options.State.Directory)).ReadAll().Count;
            var output = parse.InvocationConfiguration.Output;
            output.Write(FormatTable(rows));
            output.WriteLine($"{rows.Count} mapping(s) in {dbPath}; outbox: {counts.Pending} pending job(s), {counts.Dead + files} dead letter(s) waiting for `aeg tickets retry`.");
            foreach (var letter in outbox?.DeadLetters() ?? [])
            {
                output.WriteLine($"dead letter {letter.JobId}: {letter.Target} {letter.DedupeKey} ({letter.RuleName}, {letter.Operation}): {letter.Error}");
            }
            return AnnotationCommandOptions.ExitOk;
        });
        return command;
    }

    private static Command Retry()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var command = new Command("retry", "Send the dead letters again; each is done only after it succeeded (several retries may run at once).") { config, debug };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = AegHost.CreateLogger(parse.GetValue(debug));
            var path = parse.GetValue(config)!.FullName;
            try
            {
                var options = AegConfig.Load(path);
                var counters = new TicketCounters();
                using var systems = TicketSystems.Create(options.Tickets, path, log, counters);
                var dispatcher = TicketService.CreateDispatcher(options.Tickets, options.State.Directory, systems, log, counters, Aeg.Daemon.OutboxDatabases.Open(options, path, log));
                // Active-list and case dead letters go back to ESM when it is configured (else they stay, saying there is no such system).
                await using var esm = options.Esm is { IsConfigured: true } esmOptions ? Aeg.Esm.EsmService.CreateClient(esmOptions, path, log) : null;
                if (esm is not null)
                {
                    dispatcher.Register(new Aeg.Esm.EsmActiveListAction(esm));
                    dispatcher.Register(new Aeg.Esm.EsmCaseAction(esm));
                }
                var (succeeded, remaining, taken) = await DeadLetterReplay.ReplayAsync(dispatcher, log, cancellationToken);
                log.Information("Dead letters: {Succeeded} replayed, {Remaining} remaining, {Taken} handled by another process; {Counters}", succeeded, remaining, taken, counters);
                return remaining == 0 ? AnnotationCommandOptions.ExitOk : AnnotationCommandOptions.ExitFailed;
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

    internal static string FormatTable(IReadOnlyList<TicketRecord> rows)
    {
        string[] header = ["TARGET", "DEDUPE KEY", "TICKET", "RULE", "CREATED (UTC)", "LAST UPDATE (UTC)", "UPDATES"];
        var cells = rows.Select(r => new[]
        {
            r.Target, r.DedupeKey, r.TicketRef, r.Rule,
            r.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            r.LastUpdate.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            r.UpdateCount.ToString(CultureInfo.InvariantCulture),
        }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => cells.Max(c => c[i].Length)).ToArray();
        var text = new System.Text.StringBuilder();
        foreach (var row in cells)
        {
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
        return text.ToString();
    }
}
