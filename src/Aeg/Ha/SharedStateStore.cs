using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using Aeg.Annotations;
using Aeg.State;

namespace Aeg.Ha;

/// <summary>
/// The poller state of an active/standby group: one row of <c>&lt;ha.database&gt;.aeg_poller_state</c>
/// holding the same JSON as the state files. Every read and write runs on the lease connection
/// after the lease was confirmed, so an instance that lost the lease cannot move the cursor.
/// </summary>
public sealed class SharedStateStore : IAnnotationStateStore
{
    /// <summary>The table's name inside <see cref="HaOptions.Database"/>.</summary>
    public const string TableName = "aeg_poller_state";

    private readonly PollerLease _lease;
    private readonly string _table;
    private readonly string _name;
    private readonly string _writer;
    private readonly TimeSpan _timeout;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    /// <param name="lease">The held lease; its connection carries every statement.</param>
    /// <param name="options">Database (schema) and lock name; the row is keyed by the lock name.</param>
    /// <param name="writer">This instance's host name, stored with each write for operators.</param>
    /// <param name="commandTimeout">Bound on one state read or write.</param>
    public SharedStateStore(PollerLease lease, HaOptions options, string writer, TimeSpan commandTimeout)
    {
        _lease = lease;
        _table = $"`{options.Database}`.`{TableName}`";
        _name = options.LockName;
        _writer = writer.Length > 255 ? writer[..255] : writer;
        _timeout = commandTimeout;
    }

    public string Description => $"{_table} row '{_name}'";

    /// <summary>Nothing to take: the lease this store writes through already keeps other pollers off.</summary>
    public void Acquire()
    {
    }

    /// <summary>The lease belongs to the active/standby loop, which releases it.</summary>
    public void Dispose()
    {
    }

    /// <summary>The table's definition (also in docs/scaling.md).</summary>
    public static string CreateTableSql(string database) => $"""
        CREATE TABLE IF NOT EXISTS `{database}`.`{TableName}` (
          name       VARCHAR(64)  NOT NULL PRIMARY KEY,
          state      LONGBLOB     NULL,
          versions   LONGBLOB     NULL,
          written_by VARCHAR(255) NOT NULL,
          written_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
        ) ENGINE=InnoDB
        """;

    /// <summary>Creates the table when missing (the database itself must exist).</summary>
    /// <remarks>Looked up first: the lease's fenced connection should see no note from CREATE TABLE IF NOT EXISTS.</remarks>
    public void EnsureTable(string database) => _lease.Fenced(c =>
    {
        using var exists = _lease.CreateCommand(c,
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = @db AND TABLE_NAME = @table", _timeout);
        AnnotationDatabase.AddParameter(exists, "@db", database);
        AnnotationDatabase.AddParameter(exists, "@table", TableName);
        return Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0 ? 0 : Execute(c, CreateTableSql(database));
    });

    public AnnotationState? Load()
    {
        var bytes = ReadColumn("state");
        if (bytes is null)
        {
            return null;
        }
        try
        {
            return AnnotationStateFile.Parse(bytes);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new StateFileException(
                $"the shared state in {Description} is unreadable ({ex.Message}); delete the row to start again from poller.firstStart", ex);
        }
    }

    public void Save(AnnotationState state)
    {
        _buffer.ResetWrittenCount();
        AnnotationStateFile.Write(state, _buffer);
        WriteColumn("state", _buffer.WrittenMemory.ToArray());
    }

    public List<KeyValuePair<long, long>> LoadVersions() =>
        ReadColumn("versions") is { } bytes ? AnnotationStateFile.ParseVersions(bytes) : [];

    public void SaveVersions(IEnumerable<KeyValuePair<long, long>> versions)
    {
        var buffer = new ArrayBufferWriter<byte>();
        AnnotationStateFile.WriteVersions(versions, buffer);
        WriteColumn("versions", buffer.WrittenMemory.ToArray());
    }

    private byte[]? ReadColumn(string column) => _lease.Fenced(c =>
    {
        using var command = _lease.CreateCommand(c, $"SELECT {column} FROM {_table} WHERE name = @name", _timeout);
        AnnotationDatabase.AddParameter(command, "@name", _name);
        return command.ExecuteScalar() is byte[] bytes ? bytes : null;
    });

    // One autocommitted statement: InnoDB applies it whole or not at all.
    private void WriteColumn(string column, byte[] value) => _lease.Fenced(c =>
    {
        using var command = _lease.CreateCommand(c,
            $"INSERT INTO {_table} (name, {column}, written_by) VALUES (@name, @value, @writer) " +
            // Not VALUES(col): MySQL 8 deprecates it with a warning (see EnsureTable).
            $"ON DUPLICATE KEY UPDATE {column} = @value, written_by = @writer", _timeout);
        AnnotationDatabase.AddParameter(command, "@name", _name);
        AnnotationDatabase.AddParameter(command, "@value", value);
        AnnotationDatabase.AddParameter(command, "@writer", _writer);
        return command.ExecuteNonQuery();
    });

    private int Execute(DbConnection connection, string sql)
    {
        using var command = _lease.CreateCommand(connection, sql, _timeout);
        return command.ExecuteNonQuery();
    }
}
