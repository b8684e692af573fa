using System.CommandLine;
using Aeg.Configuration;
using Aeg.Daemon;

namespace Aeg.Cli;

/// <summary><c>aeg config check</c> (every problem of a config, its mappings and rules), <c>aeg config example</c> (a commented full config) and <c>aeg config mappings</c> (the built-in CEF mappings).</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var check = new Command("check", "Validate aeg.yaml, its cef-mappings.yaml, its rule files and the secrets' sources; print every problem as <file>: <key>: <reason>.") { config, AnnotationCommandOptions.Debug() };
        check.SetAction(parse =>
        {
            var findings = ConfigChecker.Check(parse.GetValue(config)!.FullName, out var summary);
            foreach (var finding in findings)
            {
                Console.Out.WriteLine(finding);
            }
            var errors = findings.Count(f => !f.IsWarning);
            Console.Out.WriteLine(errors == 0 ? $"OK: {summary}" : $"{errors} problem(s) found");
            return errors == 0 ? AnnotationCommandOptions.ExitOk : AnnotationCommandOptions.ExitConfig;
        });
        var example = Print("example", "Print a commented aeg.yaml with every key (the file content/config/aeg.example.yaml).", BuiltInFiles.Example);
        var mappings = Print("mappings", "Print the CEF mappings built into aeg (used when aeg.yaml has no mappings: key); a start for a site's own file.", BuiltInFiles.Mappings);
        return new Command("config", "Check a configuration or print an example or the built-in mappings.") { check, example, mappings };
    }

    private static Command Print(string name, string description, Func<string> text)
    {
        var command = new Command(name, description);
        command.SetAction(_ =>
        {
            Console.Out.Write(text());
            return AnnotationCommandOptions.ExitOk;
        });
        return command;
    }
}
