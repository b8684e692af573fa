using System.Data.Common;
using Aeg.Annotations;
using Aeg.Configuration;

namespace Aeg.TestKit;

/// <summary>
/// A uniquely named MariaDB database for one test, dropped on dispose, so tests can run in parallel;
/// with <see cref="CreateEsmAsync"/> it holds the ESM schema (content/esm/schema.sql), and
/// <see cref="Options"/> point Aeg at it.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private TestDatabase(string name, string connectionString, string adminConnectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        _adminConnectionString = adminConnectionString;
        var b = AnnotationDatabase.Provider.CreateConnectionStringBuilder()!;
        b.ConnectionString = connectionString;
        string Get(params string[] keys) => keys.Select(k => b.TryGetValue(k, out var v) ? Convert.ToString(v) : null).FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
        Options = new DatabaseOptions
        {
            Host = Get("Server", "Host"),
            Port = int.TryParse(Get("Port"), out var port) ? port : 3306,
            Database = name,
            User = Get("User ID", "UserID", "Uid", "User"),
            SslMode = "None",
            CommandTimeout = TimeSpan.FromSeconds(120),
        };
        Password = Get("Password", "pwd");
    }

    /// <summary>The database name, <c>aeg_t_</c> and 8 hex digits.</summary>
    public string Name { get; }

    /// <summary>Connection string with this database selected.</summary>
    public string ConnectionString { get; }

    /// <summary>Options pointing Aeg at this database.</summary>
    public DatabaseOptions Options { get; }

    /// <summary>The password of <see cref="Options"/>' user.</summary>
    public string Password { get; }

    /// <summary>Aeg's access to this database.</summary>
    public AnnotationDatabase Database => new(Options, Password);

    /// <summary>Creates the database on the shared dev MariaDB, or on the server of <paramref name="adminConnectionString"/>, with content/esm/schema.sql loaded.</summary>
    public static Task<TestDatabase> CreateEsmAsync(string? adminConnectionString = null) =>
        CreateAsync(TestServices.RepoFile("content/esm/schema.sql"), adminConnectionString: adminConnectionString);

    /// <summary>Creates the database and, when given, runs the SQL file (e.g. content/esm/schema.sql) in it.</summary>
    /// <param name="adminConnectionString">A server of the test's own (fault drills); default the shared dev MariaDB.</param>
    public static async Task<TestDatabase> CreateAsync(string? sqlFilePath = null, CancellationToken cancellationToken = default, string? adminConnectionString = null)
    {
        var admin = adminConnectionString ?? TestServices.MySqlConnectionString;
        var name = "aeg_t_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteOnAsync(admin, $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4", cancellationToken);

        var builder = TestServices.MySqlFactory.CreateConnectionStringBuilder()!;
        builder.ConnectionString = admin;
        builder["Database"] = name;
        // Otherwise the connection uses the server's default character set (latin1 on many
        // servers) and text outside it comes back as '?'.
        builder["CharacterSet"] = "utf8mb4";
        var database = new TestDatabase(name, builder.ConnectionString, admin);
        if (sqlFilePath is not null)
        {
            try
            {
                await database.ExecuteSqlFileAsync(sqlFilePath, cancellationToken);
            }
            catch
            {
                await database.DisposeAsync();
                throw;
            }
        }
        return database;
    }

    /// <summary>Opens a new connection to this database.</summary>
    public Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        AnnotationDatabase.OpenAsync(ConnectionString, cancellationToken);

    /// <summary>Runs all statements of a SQL file (separated by ';', no DELIMITER) in this database.</summary>
    public async Task ExecuteSqlFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var sql = await File.ReadAllTextAsync(path, cancellationToken);
        await ExecuteOnAsync(ConnectionString, sql, cancellationToken);
    }

    /// <summary>Runs <paramref name="sql"/> with named parameters in this database.</summary>
    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 300;
        foreach (var (n, v) in parameters)
        {
            AnnotationDatabase.AddParameter(command, n, v ?? DBNull.Value);
        }
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Inserts annotation rows modification_time = <paramref name="firstMs"/> + i * <paramref name="stepMs"/> with ids from <paramref name="firstId"/>.</summary>
    public Task InsertRangeAsync(long firstId, int count, long firstMs, long stepMs, int stage = 1) => ExecuteAsync(
        $"""
        SET SESSION max_recursive_iterations = 100000000;
        INSERT INTO arc_event_annotation (event_id, version, modification_time, stage, current_comment, flags)
        WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {count - 1})
        SELECT {firstId} + n, 1, {firstMs} + n * {stepMs}, {stage}, CONCAT('row ', {firstId} + n), 0 FROM seq
        """);

    /// <summary>Drops the database.</summary>
    public async ValueTask DisposeAsync() =>
        await ExecuteOnAsync(_adminConnectionString, $"DROP DATABASE IF EXISTS `{Name}`", CancellationToken.None);

    private static async Task ExecuteOnAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await AnnotationDatabase.OpenAsync(connectionString, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
