using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Aeg.State;

/// <summary>How Aeg opens its SQLite files in the state directory (ticket dedupe store, analyst history).</summary>
internal static class SqliteStateFile
{
    /// <summary>
    /// Creates the file's folder and the file in WAL mode (readers such as <c>aeg report</c> do not
    /// block the daemon's writer), runs <paramref name="schema"/> (idempotent DDL) and returns the
    /// connection string to open it with.
    /// </summary>
    public static string Create(string path, string schema)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open(connectionString);
        Execute(connection, "PRAGMA journal_mode=WAL");
        Execute(connection, schema);
        return connectionString;
    }

    public static DbConnection Open(string connectionString)
    {
        DbConnection connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    public static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
