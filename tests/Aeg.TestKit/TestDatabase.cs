using System.Data.Common;

namespace Aeg.TestKit;

/// <summary>A uniquely named MariaDB database for one test, dropped on dispose, so tests can run in parallel.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private TestDatabase(string name, string connectionString, string adminConnectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        _adminConnectionString = adminConnectionString;
    }

    /// <summary>The database name, <c>aeg_t_</c> and 8 hex digits.</summary>
    public string Name { get; }

    /// <summary>Connection string with this database selected.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates the database and, when given, runs the SQL file (e.g. content/esm/schema.sql) in it.</summary>
    /// <param name="adminConnectionString">A server of the test's own (fault drills); default the shared dev MariaDB.</param>
    public static async Task<TestDatabase> CreateAsync(string? sqlFilePath = null, CancellationToken cancellationToken = default, string? adminConnectionString = null)
    {
        var admin = adminConnectionString ?? TestServices.MySqlConnectionString;
        var name = "aeg_t_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(admin, $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4", cancellationToken);

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
    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = TestServices.MySqlFactory.CreateConnection()!;
        connection.ConnectionString = ConnectionString;
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return connection;
    }

    /// <summary>Runs all statements of a SQL file (separated by ';', no DELIMITER) in this database.</summary>
    public async Task ExecuteSqlFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var sql = await File.ReadAllTextAsync(path, cancellationToken);
        await ExecuteAsync(ConnectionString, sql, cancellationToken);
    }

    /// <summary>Drops the database.</summary>
    public async ValueTask DisposeAsync() =>
        await ExecuteAsync(_adminConnectionString, $"DROP DATABASE IF EXISTS `{Name}`", CancellationToken.None);

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = TestServices.MySqlFactory.CreateConnection()!;
        connection.ConnectionString = connectionString;
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
