using System.Data.Common;
using System.Globalization;
using Aeg.State;

namespace Aeg.Tickets;

/// <summary>One dedupe key's ticket: which ticket (target, dedupe key) maps to, and how often it was updated.</summary>
public sealed record TicketRecord(string Target, string DedupeKey, string TicketRef, string Rule,
    DateTimeOffset CreatedAt, DateTimeOffset LastUpdate, long UpdateCount);

/// <summary>
/// The dedupe store: (target, dedupe key) → ticket, in SQLite (<c>&lt;state dir&gt;/tickets.db</c>), so
/// later events update the same ticket across restarts.
/// </summary>
public sealed class TicketStore
{
    private readonly string _connectionString;

    public TicketStore(string path)
    {
        Path = path;
        _connectionString = SqliteStateFile.Create(path, """
            CREATE TABLE IF NOT EXISTS tickets (
                target       TEXT    NOT NULL,
                dedupe_key   TEXT    NOT NULL,
                ticket_ref   TEXT    NOT NULL,
                rule         TEXT    NOT NULL,
                created_at   TEXT    NOT NULL,
                last_update  TEXT    NOT NULL,
                update_count INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (target, dedupe_key))
            """);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The default location: <c>tickets.db</c> in the state directory.</summary>
    public static string DefaultPath(string stateDirectory) => System.IO.Path.Combine(stateDirectory, "tickets.db");

    public TicketRecord? Find(string target, string dedupeKey)
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT target, dedupe_key, ticket_ref, rule, created_at, last_update, update_count FROM tickets WHERE target = $target AND dedupe_key = $key",
            ("$target", target), ("$key", dedupeKey));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>Remembers a new ticket; an existing row for the key is replaced (its ticket was not found before).</summary>
    public void RecordCreated(string target, string dedupeKey, string ticketRef, string rule, DateTimeOffset at)
    {
        using var connection = Open();
        var time = at.ToString("O", CultureInfo.InvariantCulture);
        using var command = Command(connection, """
            INSERT INTO tickets (target, dedupe_key, ticket_ref, rule, created_at, last_update, update_count)
            VALUES ($target, $key, $ref, $rule, $at, $at, 0)
            ON CONFLICT (target, dedupe_key) DO UPDATE SET ticket_ref = $ref, rule = $rule, created_at = $at, last_update = $at, update_count = 0
            """, ("$target", target), ("$key", dedupeKey), ("$ref", ticketRef), ("$rule", rule), ("$at", time));
        command.ExecuteNonQuery();
    }

    /// <summary>Counts an update of the key's ticket.</summary>
    public void RecordUpdated(string target, string dedupeKey, DateTimeOffset at)
    {
        using var connection = Open();
        using var command = Command(connection, "UPDATE tickets SET last_update = $at, update_count = update_count + 1 WHERE target = $target AND dedupe_key = $key",
            ("$target", target), ("$key", dedupeKey), ("$at", at.ToString("O", CultureInfo.InvariantCulture)));
        command.ExecuteNonQuery();
    }

    /// <summary>Every mapping, most recently updated first.</summary>
    public List<TicketRecord> List(int limit = int.MaxValue)
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT target, dedupe_key, ticket_ref, rule, created_at, last_update, update_count FROM tickets ORDER BY last_update DESC LIMIT $limit",
            ("$limit", limit));
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
        r.GetInt64(6));

    private DbConnection Open() => SqliteStateFile.Open(_connectionString);

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
        return command;
    }
}
