using System.Data.Common;
using System.Globalization;
using Aeg.Tickets.Store;

namespace Aeg.Tickets;

/// <summary>One dedupe key's ticket: which ticket (target, dedupe key) maps to, and how often it was updated.</summary>
public sealed record TicketRecord(string Target, string DedupeKey, string TicketRef, string Rule,
    DateTimeOffset CreatedAt, DateTimeOffset LastUpdate, long UpdateCount);

/// <summary>
/// The dedupe store: (target, dedupe key) → ticket, in SQLite (<c>&lt;state dir&gt;/tickets.db</c>) or the shared MariaDB, so
/// later events update the same ticket across restarts.
/// </summary>
public sealed class TicketStore
{
    private readonly IOutboxDatabase _database;

    public TicketStore(string path) : this(new SqliteOutboxDatabase(path))
    {
    }

    public TicketStore(IOutboxDatabase database) => _database = database;

    /// <summary>Where the store is (the SQLite file, or the MariaDB database), safe to log.</summary>
    public string Path => _database.Description;

    /// <summary>The default location: <c>tickets.db</c> in the state directory.</summary>
    public static string DefaultPath(string stateDirectory) => System.IO.Path.Combine(stateDirectory, "tickets.db");

    public TicketRecord? Find(string target, string dedupeKey)
    {
        using var connection = Open();
        using var command = Command(connection, $"SELECT target, dedupe_key, ticket_ref, rule, created_at, last_update, update_count FROM tickets WHERE {_database.KeyMatch()}",
            ("@target", target), ("@key", dedupeKey));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>Remembers a new ticket; an existing row for the key is replaced (its ticket was not found before).</summary>
    public void RecordCreated(string target, string dedupeKey, string ticketRef, string rule, DateTimeOffset at)
    {
        using var connection = Open();
        var time = at.ToString("O", CultureInfo.InvariantCulture);
        using var command = Command(connection, $"""
            INSERT INTO tickets ({_database.KeyColumns()}, ticket_ref, rule, created_at, last_update, update_count)
            VALUES ({_database.KeyValues}, @ref, @rule, @at, @at, 0)
            {_database.UpsertTicket} ticket_ref = @ref, rule = @rule, created_at = @at, last_update = @at, update_count = 0
            """, ("@target", target), ("@key", dedupeKey), ("@ref", ticketRef), ("@rule", rule), ("@at", time));
        command.ExecuteNonQuery();
    }

    /// <summary>Counts an update of the key's ticket.</summary>
    public void RecordUpdated(string target, string dedupeKey, DateTimeOffset at)
    {
        using var connection = Open();
        using var command = Command(connection, $"UPDATE tickets SET last_update = @at, update_count = update_count + 1 WHERE {_database.KeyMatch()}",
            ("@target", target), ("@key", dedupeKey), ("@at", at.ToString("O", CultureInfo.InvariantCulture)));
        command.ExecuteNonQuery();
    }

    /// <summary>Every mapping, most recently updated first.</summary>
    public List<TicketRecord> List(int limit = int.MaxValue)
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT target, dedupe_key, ticket_ref, rule, created_at, last_update, update_count FROM tickets ORDER BY last_update DESC LIMIT @limit",
            ("@limit", limit));
        using var reader = command.ExecuteReader();
        var list = new List<TicketRecord>();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }
        return list;
    }

    private static TicketRecord Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
        DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture),
        DateTimeOffset.Parse(r.GetString(5), CultureInfo.InvariantCulture),
        Convert.ToInt64(r.GetValue(6), CultureInfo.InvariantCulture));

    private DbConnection Open() => _database.Open();

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        if (parameters.Any(p => p.Name == "@key") && sql.Contains("@hash", StringComparison.Ordinal))
        {
            var p = command.CreateParameter();
            p.ParameterName = "@hash";
            p.Value = OutboxKeyHash.Of((string)parameters.First(x => x.Name == "@target").Value, (string)parameters.First(x => x.Name == "@key").Value);
            command.Parameters.Add(p);
        }
        return command;
    }
}
