using Aeg.State;

namespace Aeg.Tests.Cli;

/// <summary>A native library that cannot be loaded is one line naming it and the fix, however deep the runtime wrapped it.</summary>
public sealed class NativeLibraryMessageTests
{
    private const string DotnetMessage = "Unable to load shared library 'sqlite3' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace.";

    [Fact]
    public void Missing_sqlite_inside_a_type_initializer_names_the_library_and_the_package()
    {
        var wrapped = new TypeInitializationException("Microsoft.Data.Sqlite.SqliteConnection", new DllNotFoundException(DotnetMessage));

        var message = NativeSqlite.DescribeMissing(wrapped);

        Assert.Equal("aeg: SQLite's native library (libsqlite3.so.0) could not be loaded; install the package libsqlite3-0, or use the native aeg (dotnet publish -r linux-x64), which carries SQLite inside it", message);
    }

    [Fact]
    public void Another_missing_library_is_named_by_the_first_sentence_of_the_runtime_message()
    {
        var message = NativeSqlite.DescribeMissing(new DllNotFoundException("Unable to load shared library 'libfoo' or one of its dependencies. In order to help"));

        Assert.Equal("aeg: a native library could not be loaded: Unable to load shared library 'libfoo' or one of its dependencies", message);
        Assert.DoesNotContain('\n', message!);
    }

    [Fact]
    public void Other_exceptions_are_not_described()
    {
        Assert.Null(NativeSqlite.DescribeMissing(new InvalidOperationException("no")));
        Assert.Null(NativeSqlite.DescribeMissing(new TypeInitializationException("X", new IOException("disk"))));
    }
}
