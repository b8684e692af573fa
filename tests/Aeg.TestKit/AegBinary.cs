using System.Diagnostics;

namespace Aeg.TestKit;

/// <summary>
/// How the process tests start aeg: the native executable named by <c>AEG_TEST_BINARY</c> (aeg.sh test
/// publishes the Native AOT build, the one users install, and sets it), else <c>dotnet aeg.dll</c> next
/// to the tests.
/// </summary>
internal static class AegBinary
{
    public const string Variable = "AEG_TEST_BINARY";

    /// <summary>The command line that runs aeg, before its arguments.</summary>
    public static IReadOnlyList<string> Command { get; } =
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } native
            ? [File.Exists(native) ? native : throw new InvalidOperationException($"{Variable}={native}: no such file")]
            : ["dotnet", Path.Combine(AppContext.BaseDirectory, "aeg.dll")];

    /// <summary>A start info for aeg with <paramref name="args"/>, stdout and stderr redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in Command.Skip(1).Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
    }
}
