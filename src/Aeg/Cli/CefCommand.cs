using System.CommandLine;

namespace Aeg.Cli;

/// <summary><c>aeg cef …</c>: tools for CEF text.</summary>
internal static class CefCommand
{
    public static Command Create()
    {
        var cef = new Command("cef", "Work with CEF text.");
        return cef;
    }
}
