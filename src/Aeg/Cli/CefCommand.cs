using System.CommandLine;

namespace Aeg.Cli;

/// <summary><c>aeg cef …</c>: tools for CEF text.</summary>
internal static class CefCommand
{
    public static Command Create() => Create(CliStreams.Console);

    public static Command Create(CliStreams streams)
    {
        var cef = new Command("cef", "Work with CEF text.");
        cef.Subcommands.Add(CefParseCommand.Create(streams));
        return cef;
    }
}
