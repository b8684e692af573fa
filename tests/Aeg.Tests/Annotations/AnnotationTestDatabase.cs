using System.Data.Common;
using Aeg.Annotations;
using Aeg.Configuration;

namespace Aeg.Tests.Annotations;

/// <summary>
/// A throwaway database (aeg_t_&lt;guid8&gt;) with content/esm/schema.sql loaded, dropped on dispose.
/// Private stand-in for the CI helper's Infrastructure/TestDatabase until that is on main.
/// </summary>
public sealed class AnnotationTestDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private AnnotationTestDatabase(string name, string adminConnectionString, DatabaseOptions options, string password)
    {
        Name = name;
        _adminConnectionString = adminConnectionString;
        Options = options;
        Password = password;
    }

    public string Name { get; }
    /// <summary>Options pointing Aeg at this database.</summary>
    public DatabaseOptions Options { get; }
    public string Password { get; }

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("AEG_TEST_MYSQL") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("AEG_TEST_MYSQL is not set: run the tests with ./aeg.sh test (it starts MariaDB and sets it)");

    public static async Task<AnnotationTestDatabase> CreateAsync()
    {
        var admin = AdminConnectionString;
        var name = "aeg_t_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(admin, $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4");
        var b = AnnotationDatabase.Provider.CreateConnectionStringBuilder()!;
        b.ConnectionString = admin;
        string Get(params string[] keys) => keys.Select(k => b.TryGetValue(k, out var v) ? Convert.ToString(v) : null).FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
        var options = new DatabaseOptions
        {
            Host = Get("Server", "Host"),
            Port = int.TryParse(Get("Port"), out var port) ? port : 3306,
            Database = name,
            User = Get("User ID", "UserID", "Uid", "User"),
            SslMode = "None",
            CommandTimeout = TimeSpan.FromSeconds(120),
        };
        var db = new AnnotationTestDatabase(name, admin, options, Get("Password", "pwd"));
        var schema = await File.ReadAllTextAsync(Path.Combine(RepoRoot, "content", "esm", "schema.sql"));
        await db.ExecuteAsync(schema);
        return db;
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aeg.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Aeg.sln)");
        }
    }

    public AnnotationDatabase Database => new(Options, Password);

    public async Task<DbConnection> OpenAsync() => await Database.OpenAsync(CancellationToken.None);

    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 300;
        foreach (var (n, v) in parameters)
        {
            AnnotationDatabase.AddParameter(command, n, v ?? DBNull.Value);
        }
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Inserts rows modification_time = <paramref name="firstMs"/> + i * <paramref name="stepMs"/> with ids from <paramref name="firstId"/>.</summary>
    public Task InsertRangeAsync(long firstId, int count, long firstMs, long stepMs, int stage = 1) => ExecuteAsync(
        $"""
        SET SESSION max_recursive_iterations = 100000000;
        INSERT INTO arc_event_annotation (event_id, version, modification_time, stage, current_comment, flags)
        WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {count - 1})
        SELECT {firstId} + n, 1, {firstMs} + n * {stepMs}, {stage}, CONCAT('row ', {firstId} + n), 0 FROM seq
        """);

    public async ValueTask DisposeAsync() => await ExecuteAsync(_adminConnectionString, $"DROP DATABASE IF EXISTS `{Name}`");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = AnnotationDatabase.Provider.CreateConnection()!;
        connection.ConnectionString = connectionString;
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
