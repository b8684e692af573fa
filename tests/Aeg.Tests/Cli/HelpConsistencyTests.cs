using System.CommandLine;
using System.Text.RegularExpressions;
using Aeg.Cli;

namespace Aeg.Tests.Cli;

/// <summary>`aeg --help` and every subcommand's help are complete (a description everywhere) and match docs/commands.md.</summary>
public sealed class HelpConsistencyTests
{
    private static readonly string[] BuiltIn = ["--help", "-h", "-?", "/?", "/h", "--version"];

    // Documented once for all commands, in the introduction of docs/commands.md.
    private static readonly string[] Common = ["--config", "--debug"];

    private static IEnumerable<(string Path, Command Command)> Walk()
    {
        var root = new RootCommand("aeg");
        foreach (var command in AegCommands.All())
        {
            root.Subcommands.Add(command);
        }
        return Walk("aeg", root).Skip(1);
    }

    private static IEnumerable<(string, Command)> Walk(string path, Command command)
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands)
        {
            foreach (var inner in Walk(path + " " + sub.Name, sub))
            {
                yield return inner;
            }
        }
    }

    [Fact]
    public void Every_command_that_reads_a_configuration_takes_debug_as_docs_commands_says()
    {
        var missing = Walk().Where(c => c.Command.Options.Any(o => o.Name == "--config") && c.Command.Options.All(o => o.Name != "--debug"))
            .Select(c => c.Path).ToList();
        Assert.True(missing.Count == 0, "take --config but reject --debug: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_command_and_option_has_a_description()
    {
        var missing = new List<string>();
        foreach (var (path, command) in Walk())
        {
            if (string.IsNullOrWhiteSpace(command.Description))
            {
                missing.Add(path);
            }
            missing.AddRange(command.Options.Where(o => !BuiltIn.Contains(o.Name) && string.IsNullOrWhiteSpace(o.Description)).Select(o => $"{path} {o.Name}"));
        }
        Assert.True(missing.Count == 0, "no help text: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_command_and_each_of_its_options_appears_in_docs_commands()
    {
        var page = File.ReadAllText(TestServices.RepoFile("docs/commands.md"));
        var spans = Regex.Matches(page, "`[^`\n]+`").Select(m => m.Value).ToList();
        var missing = new List<string>();
        var intro = Regex.Match(page, @"^# Commands\n\n(?<p>(?:.+\n)+)", RegexOptions.Multiline).Groups["p"].Value;
        missing.AddRange(Common.Where(o => !intro.Contains($"`{o}", StringComparison.Ordinal)).Select(o => $"{o} (in the introduction under # Commands)"));
        var commands = Walk().ToList();
        Assert.True(commands.Count > 12, $"only {commands.Count} commands found: the walk is broken");
        foreach (var (path, command) in commands)
        {
            // A command is documented in a code span that starts with its path (e.g. `aeg config check --config …`).
            var mine = spans.Where(s => Regex.IsMatch(s, "^`" + Regex.Escape(path) + @"(\s|`)")).ToList();
            if (mine.Count == 0 && command.Subcommands.Count == 0)
            {
                missing.Add(path);
                continue;
            }
            foreach (var option in command.Options.Where(o => !BuiltIn.Contains(o.Name) && !Common.Contains(o.Name)))
            {
                // In the command's own synopsis, or in the section of the page about the command.
                if (!mine.Concat(Section(page, path)).Any(s => Regex.IsMatch(s, Regex.Escape(option.Name) + @"\b")))
                {
                    missing.Add($"{path} {option.Name}");
                }
            }
        }
        Assert.True(missing.Count == 0, "docs/commands.md does not document: " + string.Join(", ", missing));
    }

    // The code spans under a heading that names the command (e.g. "### `aeg cef parse`"), up to the next heading.
    private static IEnumerable<string> Section(string page, string path)
    {
        var m = Regex.Match(page, @"^#+ .*" + Regex.Escape(path) + @".*$\n(?<body>(?:(?!#+ ).*\n)*)", RegexOptions.Multiline);
        return m.Success ? Regex.Matches(m.Groups["body"].Value, "`[^`\n]+`").Select(x => x.Value) : [];
    }
}
