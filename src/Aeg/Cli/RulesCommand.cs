using System.CommandLine;
using System.Text;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Rules;

namespace Aeg.Cli;

/// <summary><c>aeg rules test</c>: shows what the rules make of events, without calling any ticket system.</summary>
internal static class RulesCommand
{
    public static Command Create()
    {
        var rules = new Command("rules", "Work with the CEF ticket rules.");
        rules.Subcommands.Add(CreateTest());
        return rules;
    }

    private static Command CreateTest()
    {
        var config = AnnotationCommandOptions.Config();
        var cefEvent = new Option<string[]>("--event", "-e") { Description = "A CEF event (with or without syslog header); repeatable." };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "A file with one event per line ('-' for standard input)." };
        var rulesPath = new Option<string?>("--rules") { Description = "Rules file or directory to use instead of the config's rules.path." };
        var allowNoMatch = new Option<bool>("--allow-no-match") { Description = "Exit 0 even when an event matches no rule (by default that exits 1, for CI)." };
        var command = new Command("test", "Show which rules match the events, the dedupe keys and the rendered ticket fields; sends nothing.")
        {
            config, cefEvent, file, rulesPath, allowNoMatch, AnnotationCommandOptions.Debug(),
        };
        command.SetAction(parse =>
        {
            var events = parse.GetValue(cefEvent) ?? [];
            var eventFile = parse.GetValue(file);
            if (events.Length == 0 && eventFile is null)
            {
                Console.Error.WriteLine("Give events with --event 'CEF:0|…' or --file events.txt.");
                return AnnotationCommandOptions.ExitConfig;
            }
            try
            {
                var options = AegConfig.Load(parse.GetValue(config)!.FullName);
                var path = parse.GetValue(rulesPath) is { } p ? Path.GetFullPath(p) : options.Rules.Path;
                if (string.IsNullOrEmpty(path))
                {
                    Console.Error.WriteLine("No rules: set rules.path in the config or give --rules.");
                    return AnnotationCommandOptions.ExitConfig;
                }
                var matcher = new RuleMatcher(RuleLoader.Load(path, options.Tickets.TargetKinds(), options.Rules.ExtensionKeys));
                Console.Out.WriteLine($"{matcher.Rules.Count} rule(s) from {path}");
                Console.Out.WriteLine();
                var number = 0;
                var unmatched = new List<int>();
                foreach (var line in events.Concat(ReadLines(eventFile)))
                {
                    if (RuleTestReport.Write(Console.Out, matcher, Encoding.UTF8.GetBytes(line), options.Rules.MissingValue, ++number) == 0)
                    {
                        unmatched.Add(number);
                    }
                }

                if (unmatched.Count == 0 || parse.GetValue(allowNoMatch))
                {
                    return AnnotationCommandOptions.ExitOk;
                }

                // A rules change that stops matching a known event must fail a CI job.
                Console.Error.WriteLine($"{unmatched.Count} of {number} event(s) matched no rule: event {string.Join(", ", unmatched)} (--allow-no-match exits 0 anyway)");
                return AnnotationCommandOptions.ExitFailed;
            }
            catch (ConfigException ex)
            {
                Console.Error.WriteLine("Configuration error:" + Environment.NewLine + ex.Message);
                return AnnotationCommandOptions.ExitConfig;
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"Cannot read the events: {ex.Message}");
                return AnnotationCommandOptions.ExitFailed;
            }
        });
        return command;
    }

    private static IEnumerable<string> ReadLines(FileInfo? file)
    {
        if (file is null)
        {
            yield break;
        }
        using var reader = file.Name == "-" ? new StreamReader(Console.OpenStandardInput()) : file.OpenText();
        while (reader.ReadLine() is { } line)
        {
            if (line.Trim().Length > 0)
            {
                yield return line;
            }
        }
    }
}
