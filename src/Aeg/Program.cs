using System.CommandLine;
using Aeg.Cli;

var root = new RootCommand("Aeg: ArcSight ESM Annotation Event Generator, CEF listener and ticket bridge.");
foreach (var command in AegCommands.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
