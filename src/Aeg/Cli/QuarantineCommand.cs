using System.CommandLine;
using System.Globalization;
using System.Text;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.State;

namespace Aeg.Cli;

/// <summary><c>aeg quarantine list|retry</c>: the annotation rows the poller could not send, and sending them after a fix.</summary>
internal static class QuarantineCommand
{
    public static Command Create()
    {
        var command = new Command("quarantine", "Annotation rows that could not be sent (quarantine.jsonl in the state directory).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Retry());
        return command;
    }

    private static Command List()
    {
        var config = AnnotationCommandOptions.Config();
        var command = new Command("list", "Show the quarantined rows: event id, version, when, and why.") { config, AnnotationCommandOptions.Debug() };
        command.SetAction(parse =>
        {
            if (!AnnotationCommandOptions.TryLoad(parse, config, Console.Error, out var options))
            {
                return AnnotationCommandOptions.ExitConfig;
            }
            var file = QuarantineFile.In(options.State.Directory);
            List<QuarantinedRow> rows;
            try
            {
                rows = file.Load();
            }
            catch (StateFileException ex)
            {
                Console.Error.WriteLine($"State error: {ex.Message}");
                return AnnotationCommandOptions.ExitConfig;
            }
            var output = parse.InvocationConfiguration.Output;
            output.Write(FormatTable(rows));
            output.WriteLine($"{rows.Count} row(s) quarantined in {file.Path}{(rows.Count > 0 ? "; fix them, then `aeg quarantine retry`" : "")}.");
            return AnnotationCommandOptions.ExitOk;
        });
        return command;
    }

    private static Command Retry()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var dryRun = new Option<bool>("--dry-run") { Description = "Read and map each row, print the event, send nothing, keep the quarantine as it is." };
        var command = new Command("retry",
            "Read each quarantined event's row from the database again and send it; a row that still cannot be sent stays, with its new reason. " +
            "Exit 0 when the quarantine is empty afterwards, 1 when rows remain.") { config, debug, dryRun };
        command.SetAction((parse, cancellationToken) => AnnotationCommandOptions.WithHost(parse, config, debug, async host =>
        {
            var file = QuarantineFile.In(host.Options.State.Directory);
            var rows = file.Load();
            var output = parse.InvocationConfiguration.Output;
            if (rows.Count == 0)
            {
                output.WriteLine($"Nothing quarantined in {file.Path}.");
                return AnnotationCommandOptions.ExitOk;
            }
            var dry = parse.GetValue(dryRun);
            var source = host.CreateSource();
            var mapper = host.CreateMapper();
            await using var sender = host.CreateSender();
            var released = new HashSet<(long, long)>();
            var remaining = 0;
            foreach (var q in rows)
            {
                var outcome = await RetryOneAsync(q, source, mapper, sender, dry, cancellationToken);
                output.WriteLine($"event {q.EventId} version {q.Version}: {outcome.Text}");
                if (outcome.Released)
                {
                    released.Add((q.EventId, q.Version));
                }
                else
                {
                    remaining++;
                    if (!dry && outcome.Reason is { } reason)
                    {
                        file.Add(q with { Reason = reason, At = DateTimeOffset.UtcNow });
                    }
                }
            }
            await source.ReleaseAsync();
            if (dry)
            {
                output.WriteLine($"Dry run: {released.Count} row(s) would be sent, {remaining} would stay quarantined.");
                return AnnotationCommandOptions.ExitOk;
            }
            await sender.FlushAsync(cancellationToken);
            // Only after the flush: a row leaves the quarantine once its event is on the wire.
            file.Remove(r => released.Contains((r.EventId, r.Version)));
            output.WriteLine($"{released.Count} row(s) sent and released, {remaining} still quarantined.");
            return remaining == 0 ? AnnotationCommandOptions.ExitOk : AnnotationCommandOptions.ExitFailed;
        }));
        return command;
    }

    private readonly record struct Outcome(bool Released, string Text, string? Reason = null);

    private static async Task<Outcome> RetryOneAsync(QuarantinedRow q, AnnotationSource source, AnnotationMapper mapper,
        Syslog.ISyslogSender sender, bool dry, CancellationToken cancellationToken)
    {
        await foreach (var row in source.ReadEventAsync(q.EventId, cancellationToken))
        {
            if (!mapper.TryMap(row, out var message))
            {
                return new Outcome(false, $"still cannot be sent: {row.Fault}", row.Fault);
            }
            var current = row.Version == q.Version ? "" : $" (now at version {row.Version}, sent as it is now)";
            if (dry)
            {
                return new Outcome(true, $"would send{current}: {Encoding.UTF8.GetString(message.Span)}");
            }
            await sender.SendAsync(message, cancellationToken);
            return new Outcome(true, $"sent{current}");
        }
        // Nothing left to send: the event lost its annotation (or was purged) since.
        return new Outcome(true, "no longer in the annotation table; released without sending");
    }

    private static string FormatTable(List<QuarantinedRow> rows)
    {
        var sb = new StringBuilder();
        if (rows.Count == 0)
        {
            return "";
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"event_id",-20} {"version",8}  {"quarantined at (UTC)",-20}  reason");
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{r.EventId,-20} {r.Version,8}  {r.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {r.Reason}");
        }
        return sb.ToString();
    }
}
