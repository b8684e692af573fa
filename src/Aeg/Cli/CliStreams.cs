namespace Aeg.Cli;

/// <summary>The byte streams a command reads and writes; tests pass their own instead of the console's.</summary>
/// <remarks>Text for humans (errors, summaries) goes through System.CommandLine's
/// <c>InvocationConfiguration.Error</c>; these are for data that must stay bytes (UTF-8 in, JSON out).</remarks>
internal sealed class CliStreams(Func<Stream> openInput, Func<Stream> openOutput)
{
    /// <summary>The process's standard input and output.</summary>
    public static CliStreams Console { get; } = new(System.Console.OpenStandardInput, System.Console.OpenStandardOutput);

    public Stream OpenInput() => openInput();

    public Stream OpenOutput() => openOutput();
}
