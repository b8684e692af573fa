using System.Data.Common;
using Aeg.Annotations;
using Aeg.Configuration;

namespace Aeg.TestKit;

/// <summary>
/// A <see cref="TestDatabase"/> with content/esm/schema.sql loaded, plus the Aeg options that point
/// at it and helpers to fill the annotation table.
/// </summary>
public sealed class AnnotationTestDatabase : IAsyncDisposable
{
    private readonly TestDatabase _db;

    private AnnotationTestDatabase(TestDatabase db, DatabaseOptions options, string password)
    {
        _db = db;
        Options = options;
        Password = password;
    }

    public string Name => _db.Name;
    /// <summary>Options pointing Aeg at this database.</summary>
    public DatabaseOptions Options { get; }
    public string Password { get; }

    public static string AdminConnectionString => TestServices.MySqlConnectionString;

    /// <summary>Creates the database on the shared dev MariaDB, or on the server of <paramref name="adminConnectionString"/>.</summary>
    public static async Task<AnnotationTestDatabase> CreateAsync(string? adminConnectionString = null)
    {
        var db = await TestDatabase.CreateAsync(TestServices.RepoFile("content/esm/schema.sql"), adminConnectionString: adminConnectionString);
        var b = AnnotationDatabase.Provider.CreateConnectionStringBuilder()!;
        b.ConnectionString = db.ConnectionString;
        string Get(params string[] keys) => keys.Select(k => b.TryGetValue(k, out var v) ? Convert.ToString(v) : null).FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
        var options = new DatabaseOptions
        {
            Host = Get("Server", "Host"),
            Port = int.TryParse(Get("Port"), out var port) ? port : 3306,
            Database = db.Name,
            User = Get("User ID", "UserID", "Uid", "User"),
            SslMode = "None",
            CommandTimeout = TimeSpan.FromSeconds(120),
        };
        return new AnnotationTestDatabase(db, options, Get("Password", "pwd"));
    }

    public AnnotationDatabase Database => new(Options, Password);

    public async Task<DbConnection> OpenAsync() => await _db.OpenConnectionAsync();

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

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}
