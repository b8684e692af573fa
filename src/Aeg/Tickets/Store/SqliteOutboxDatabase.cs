using System.Data.Common;
using Aeg.State;
using Microsoft.Data.Sqlite;

namespace Aeg.Tickets.Store;

/// <summary>The embedded store: <c>tickets.db</c> (SQLite, WAL) in the state directory, for one instance.</summary>
public sealed class SqliteOutboxDatabase : IOutboxDatabase
{
    private readonly string _connectionString;
    // One writer at a time in this process: SQLite has one write lock per file, and Microsoft.Data.Sqlite
    // answers SQLITE_BUSY by sleeping 150 ms, which would throttle the workers far more than waiting here.
    private readonly Lock _write = new();

    public SqliteOutboxDatabase(string path)
    {
        Path = path;
        _connectionString = SqliteStateFile.Create(path, Schema);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public string Description => Path;

    // Durable writes (accepting jobs, the create's request-sent mark) use synchronous=FULL: on disk (WAL
    // fsync'd) before they return. The rest uses NORMAL: in WAL mode it survives a killed process, and
    // what a power cut may take back (a claim, a completion) only makes a job run again — a create then
    // finds its ticket through the request-sent mark, which is durable. The busy timeout lets SQLite
    // wait for another process's write lock in short steps (see _write).
    public DbConnection Open(bool durable = false)
    {
        var connection = SqliteStateFile.Open(_connectionString);
        SqliteStateFile.Execute(connection, durable ? "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000" : "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000");
        return connection;
    }

    /// <summary>Runs <paramref name="body"/> in <c>BEGIN IMMEDIATE</c> (the write lock first, so two processes never both read "free").</summary>
    public T InTransaction<T>(Func<DbConnection, DbTransaction, T> body, bool durable = false)
    {
        lock (_write)
        {
            using var connection = Open(durable);
            using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
            var result = body(connection, transaction);
            transaction.Commit();
            return result;
        }
    }

    public string InsertIgnore => "INSERT OR IGNORE";

    public string KeyMatch(string alias = "") => $"{alias}target = @target AND {alias}dedupe_key = @key";

    public string SameKey(string a, string b) => $"{a}.target = {b}.target AND {a}.dedupe_key = {b}.dedupe_key";

    public string KeyColumns(string alias = "") => $"{alias}target, {alias}dedupe_key";

    public string KeyValues => "@target, @key";

    public string UpsertTicket => "ON CONFLICT (target, dedupe_key) DO UPDATE SET";

    // CROSS JOIN fixes SQLite's join order: otherwise it may walk pending jobs and probe heads, O(backlog) again.
    public string HeadsThenJobs => "ticket_key_heads AS h INDEXED BY ticket_key_heads_by_job CROSS JOIN ticket_jobs AS j";

    // BEGIN IMMEDIATE already holds the file's write lock.
    public string ClaimLock => "";

    public string ReturningId => "RETURNING id";

    public long InsertedId(DbCommand insert) => (long)insert.ExecuteScalar()!;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS tickets (
            target       TEXT    NOT NULL,
            dedupe_key   TEXT    NOT NULL,
            ticket_ref   TEXT    NOT NULL,
            rule         TEXT    NOT NULL,
            created_at   TEXT    NOT NULL,
            last_update  TEXT    NOT NULL,
            update_count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (target, dedupe_key));
        CREATE TABLE IF NOT EXISTS ticket_jobs (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            rule         TEXT    NOT NULL,
            target       TEXT    NOT NULL,
            dedupe_key   TEXT    NOT NULL,
            on_create    TEXT,
            on_update    TEXT,
            raw_event    TEXT    NOT NULL,
            received_at  TEXT    NOT NULL,
            accepted_at  TEXT    NOT NULL,
            state        TEXT    NOT NULL DEFAULT 'pending',
            claimed_by   TEXT,
            lease_until  INTEGER NOT NULL DEFAULT 0,
            not_before   INTEGER NOT NULL DEFAULT 0,
            runs         INTEGER NOT NULL DEFAULT 0,
            outcome      TEXT,
            ticket_ref   TEXT,
            operation    TEXT,
            error        TEXT,
            transient    INTEGER,
            attempts     INTEGER,
            finished_at  TEXT);
        CREATE INDEX IF NOT EXISTS ticket_jobs_by_key ON ticket_jobs (state, target, dedupe_key, id);
        CREATE INDEX IF NOT EXISTS ticket_jobs_by_state ON ticket_jobs (state, id);
        CREATE TABLE IF NOT EXISTS ticket_key_claims (
            target         TEXT    NOT NULL,
            dedupe_key     TEXT    NOT NULL,
            claimed_by     TEXT,
            lease_until    INTEGER NOT NULL DEFAULT 0,
            create_sent_at TEXT,
            PRIMARY KEY (target, dedupe_key));
        CREATE TABLE IF NOT EXISTS ticket_key_heads (
            target     TEXT    NOT NULL,
            dedupe_key TEXT    NOT NULL,
            job_id     INTEGER NOT NULL,
            PRIMARY KEY (target, dedupe_key));
        CREATE INDEX IF NOT EXISTS ticket_key_heads_by_job ON ticket_key_heads (job_id);
        DELETE FROM ticket_key_heads WHERE job_id NOT IN (SELECT id FROM ticket_jobs WHERE state = 'pending');
        INSERT OR IGNORE INTO ticket_key_heads (target, dedupe_key, job_id)
            SELECT target, dedupe_key, MIN(id) FROM ticket_jobs WHERE state = 'pending' GROUP BY target, dedupe_key;
        """;
}
