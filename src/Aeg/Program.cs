using System.CommandLine;
using Aeg.Cli;
using Aeg.State;

var root = new RootCommand("Aeg: ArcSight ESM Annotation Event Generator, CEF listener and ticket bridge.");
foreach (var command in AegCommands.All())
{
    root.Subcommands.Add(command);
}

// A missing native library must read as one line that says what and where, not as the default
// handler's stack trace; anything else is still reported by that handler's format.
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex)
{
    // As the default handler: a cancellation ends quietly, anything else is printed whole.
    if (NativeSqlite.DescribeMissing(ex) is { } missing)
    {
        Console.Error.WriteLine(missing);
    }
    else if (ex is not OperationCanceledException)
    {
        Console.Error.WriteLine("Unhandled exception: " + ex);
    }
    return 1;
}
