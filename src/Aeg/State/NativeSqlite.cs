using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Aeg.State;

/// <summary>Where SQLite's native code comes from, and the one-line answer when it cannot be loaded.</summary>
public static class NativeSqlite
{
    /// <summary>The library file a Debian system has (package libsqlite3-0).</summary>
    public const string SystemLibrary = "libsqlite3.so.0";

    // The native aeg links SQLite in (DirectPInvoke), so this resolver is never asked there. The
    // JIT build P/Invokes "sqlite3", which the runtime probes as libsqlite3.so: a file only the
    // -dev package installs. Asking for the soname first makes libsqlite3-0 alone enough.
    [ModuleInitializer]
    internal static void UseSystemLibrary()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported || !OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_sqlite3).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Another resolver was registered first (a host embedding Aeg); it decides.
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == "sqlite3" && NativeLibrary.TryLoad(SystemLibrary, out var handle) ? handle : IntPtr.Zero;

    /// <summary>
    /// One line saying which native library is missing and how to get it, when <paramref name="ex"/>
    /// (or an exception inside it) is a failure to load native code; else null.
    /// </summary>
    public static string? DescribeMissing(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return e.Message.Contains("sqlite", StringComparison.OrdinalIgnoreCase)
                    ? $"aeg: SQLite's native library ({SystemLibrary}) could not be loaded; install the package libsqlite3-0, or use the native aeg (dotnet publish -r linux-x64), which carries SQLite inside it"
                    : $"aeg: a native library could not be loaded: {FirstSentence(e.Message)}";
            }
        }
        return null;
    }

    // .NET's message goes on with advice on strace and LD_DEBUG; the first sentence names the library.
    private static string FirstSentence(string text)
    {
        var end = text.IndexOfAny(['.', '\r', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
