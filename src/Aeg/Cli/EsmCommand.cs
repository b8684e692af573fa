using System.CommandLine;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Esm;
using Serilog;

namespace Aeg.Cli;

/// <summary>
/// <c>aeg esm active-list get|add|delete|clear</c>: an operator's direct hands on ESM active lists through the Service
/// Layer (the same client, TLS and scrubbing as the daemon), with <c>--dry-run</c> and exit codes a script can use.
/// </summary>
internal static class EsmCommand
{
    /// <summary>ESM refused the call (unknown list, bad column): retrying the same call will not help.</summary>
    public const int ExitRefused = 1;

    /// <summary>ESM could not be reached (connection, 429, 5xx after retries): try again later (EX_TEMPFAIL).</summary>
    public const int ExitTryLater = 75;

    public static Command Create()
    {
        var activeList = new Command("active-list", "Read or change an ESM active list.");
        activeList.Subcommands.Add(Operation("get", "Print the list's entries (tab-separated, a header line of its columns).", entries: false));
        activeList.Subcommands.Add(Operation("add", "Add one entry (an entry with the same key fields is updated by ESM, never doubled).", entries: true));
        activeList.Subcommands.Add(Operation("delete", "Delete one entry (an absent entry is no error).", entries: true));
        activeList.Subcommands.Add(Operation("clear", "Delete every entry of the list.", entries: false));
        return new Command("esm", "The ESM Service Layer (esm: section of the config).") { activeList };
    }

    private static Command Operation(string name, string description, bool entries)
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var list = new Option<string>("--list") { Description = "The active list's resource id (ESM console: the list's ID) or its URI (/All Active Lists/…/name).", Required = true };
        var entry = new Option<string[]>("--entry")
        {
            Description = "A column of the entry as Column=value; repeat for each column (e.g. --entry Host=ws5 --entry Reason=re-image).",
            Required = entries,
            AllowMultipleArgumentsPerToken = false,
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the call that would be made; send nothing." };
        var command = new Command(name, description) { config, list, debug };
        if (entries)
        {
            command.Options.Add(entry);
        }
        if (name != "get")
        {
            command.Options.Add(dryRun);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = AegHost.CreateLogger(parse.GetValue(debug));
            var output = parse.InvocationConfiguration.Output;
            try
            {
                var columns = new List<string>();
                var row = new List<string>();
                foreach (var pair in parse.GetValue(entry) ?? [])
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        log.Error("--entry {Entry}: write Column=value", pair);
                        return AnnotationCommandOptions.ExitConfig;
                    }
                    columns.Add(pair[..eq]);
                    row.Add(pair[(eq + 1)..]);
                }
                var listId = parse.GetValue(list)!;
                if (parse.GetValue(dryRun))
                {
                    await output.WriteLineAsync($"would call ActiveListService.{Call(name)} on list {listId}" +
                        (columns.Count > 0 ? ": " + string.Join(", ", columns.Zip(row, (c, v) => $"{c}={v}")) : ""));
                    return AnnotationCommandOptions.ExitOk;
                }
                var configFile = parse.GetValue(config)!.FullName;
                var options = AegConfig.Load(configFile);
                await using var client = EsmService.CreateClient(options.Esm ?? new(), configFile, log);
                return await RunAsync(client, name, listId, columns, row, output, log, cancellationToken);
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

    private static string Call(string name) => name switch { "get" => "getEntries", "add" => "addEntries", "delete" => "deleteEntries", _ => "clearEntries" };

    private static async Task<int> RunAsync(EsmClient client, string name, string listId, List<string> columns, List<string> row, TextWriter output, ILogger log,
        CancellationToken cancellationToken)
    {
        try
        {
            var resourceId = await client.ResolveResourceIdAsync(listId, cancellationToken);
            switch (name)
            {
                case "get":
                    var entries = await client.GetActiveListEntriesAsync(resourceId, cancellationToken);
                    await output.WriteLineAsync(string.Join('\t', entries.Columns));
                    foreach (var values in entries.Rows)
                    {
                        await output.WriteLineAsync(string.Join('\t', values.Select(v => v.Replace('\t', ' ').Replace('\n', ' '))));
                    }
                    break;
                case "add":
                    await client.AddActiveListEntriesAsync(resourceId, columns, [row], cancellationToken);
                    await output.WriteLineAsync($"added to {listId}: {string.Join(", ", columns.Zip(row, (c, v) => $"{c}={v}"))}");
                    break;
                case "delete":
                    await client.DeleteActiveListEntriesAsync(resourceId, columns, [row], cancellationToken);
                    await output.WriteLineAsync($"deleted from {listId}: {string.Join(", ", columns.Zip(row, (c, v) => $"{c}={v}"))}");
                    break;
                default:
                    await client.ClearActiveListAsync(resourceId, cancellationToken);
                    await output.WriteLineAsync($"cleared {listId}");
                    break;
            }
            return AnnotationCommandOptions.ExitOk;
        }
        catch (EsmException ex)
        {
            log.Error("ESM active list {List}: {Reason}", listId, ex.Message);
            return ex.Failure switch
            {
                EsmFailure.Unavailable => ExitTryLater,
                EsmFailure.Authentication => AnnotationCommandOptions.ExitConfig,
                _ => ExitRefused,
            };
        }
    }
}
