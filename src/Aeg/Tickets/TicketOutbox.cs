using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Aeg.State;
using Microsoft.Data.Sqlite;

namespace Aeg.Tickets;

/// <summary>
/// The durable ticket outbox in <c>tickets.db</c> (SQLite, WAL): every matched event is a job row,
/// committed with <c>synchronous=FULL</c> before it counts as accepted. Workers claim jobs with a
/// lease (<c>claimed_by</c>, <c>lease_until</c>); a job ends <c>done</c> (with the ticket and the
/// outcome) or <c>dead</c> (with the reason) — dead letters live here too. Per-key claims
/// (<see cref="OutboxKeys"/>) serialise creates across workers and processes.
/// </summary>
/// <remarks>
/// Only the oldest pending job of a (target, dedupe key) can be claimed, and not while it is
/// claimed, so one key's events run one at a time and in order, across every process sharing the
/// file. Leases are renewed by <see cref="Renew"/> while their holder lives; a holder that died on
/// this host loses its leases at once (<see cref="BreakDeadHolders"/>).
/// </remarks>
public sealed class TicketOutbox
{
    private const string Columns = "id, rule, target, dedupe_key, on_create, on_update, raw_event, received_at, runs";
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    // One writer at a time in this process: SQLite has one write lock per file, and Microsoft.Data.Sqlite
    // answers SQLITE_BUSY by sleeping 150 ms, which would throttle the workers far more than waiting here.
    private readonly Lock _write = new();

    public TicketOutbox(string path, TimeSpan lease, TimeProvider? time = null, string? holder = null)
    {
        Store = new TicketStore(path);
        _connectionString = SqliteStateFile.Create(path, """
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
            """);
        Lease = lease;
        _time = time ?? TimeProvider.System;
        Holder = holder ?? OutboxHolder.Self;
        Keys = new OutboxKeys(this);
    }

    /// <summary>The dedupe store in the same file.</summary>
    public TicketStore Store { get; }

    /// <summary>Per-key claims and the create's request-sent marks.</summary>
    public OutboxKeys Keys { get; }

    /// <summary>This process's id on its leases.</summary>
    public string Holder { get; }

    /// <summary>How long a claim lasts without renewal.</summary>
    public TimeSpan Lease { get; }

    /// <summary>Writes <paramref name="works"/> as pending jobs in one fsync'd transaction; returns their ids.</summary>
    public List<long> Add(IReadOnlyList<TicketWork> works)
    {
        var ids = new List<long>(works.Count);
        InTransaction(durable: true, (connection, transaction) =>
        {
            using var insert = Command(connection, transaction, """
                INSERT INTO ticket_jobs (rule, target, dedupe_key, on_create, on_update, raw_event, received_at, accepted_at)
                VALUES ($rule, $target, $key, $create, $update, $raw, $received, $accepted) RETURNING id
                """, ("$rule", ""), ("$target", ""), ("$key", ""), ("$create", DBNull.Value), ("$update", DBNull.Value),
                ("$raw", ""), ("$received", ""), ("$accepted", Iso(Now)));
            foreach (var w in works)
            {
                Set(insert, "$rule", w.RuleName);
                Set(insert, "$target", w.Target);
                Set(insert, "$key", w.DedupeKey);
                Set(insert, "$create", ToJson(w.OnCreate));
                Set(insert, "$update", ToJson(w.OnUpdate));
                Set(insert, "$raw", w.RawEvent);
                Set(insert, "$received", Iso(w.ReceivedAt));
                ids.Add((long)insert.ExecuteScalar()!);
            }
        });
        return ids;
    }

    /// <summary>Claims up to <paramref name="max"/> runnable jobs: each the oldest pending one of its key, free or with an expired lease.</summary>
    public List<OutboxJob> Claim(int max)
    {
        var now = NowMs;
        // Walks pending jobs in id order (index by state) and stops at the limit: a claim costs the
        // jobs it skips (later jobs of keys in flight), not the whole backlog.
        return ClaimWhere($"""
            state = 'pending' AND not_before <= {now} AND (claimed_by IS NULL OR lease_until < {now})
            AND NOT EXISTS (SELECT 1 FROM ticket_jobs k WHERE k.state = 'pending' AND k.target = j.target AND k.dedupe_key = j.dedupe_key AND k.id < j.id)
            ORDER BY id LIMIT {max}
            """);
    }

    /// <summary>Claims one job by id in <paramref name="state"/> (<c>pending</c> or <c>dead</c>) if nobody else holds it.</summary>
    public OutboxJob? ClaimById(long id, string state)
    {
        var now = NowMs;
        return ClaimWhere($"id = {id} AND state = '{(state == "dead" ? "dead" : "pending")}' AND (claimed_by IS NULL OR claimed_by = $me OR lease_until < {now})")
            .SingleOrDefault();
    }

    /// <summary>True while some pending job could still be claimed by this process now or later (not held by another live holder).</summary>
    public bool HasWork()
    {
        using var connection = Open();
        using var command = Command(connection, null,
            "SELECT EXISTS (SELECT 1 FROM ticket_jobs WHERE state = 'pending' AND (claimed_by IS NULL OR claimed_by = $me OR lease_until < $now))",
            ("$me", Holder), ("$now", NowMs));
        return (long)command.ExecuteScalar()! != 0;
    }

    /// <summary>Gives a claimed job back, to be claimed again after <paramref name="delay"/> (key busy, shutdown).</summary>
    public void Release(long id, TimeSpan delay) => Execute(
        "UPDATE ticket_jobs SET claimed_by = NULL, lease_until = 0, not_before = $nb WHERE id = $id AND claimed_by = $me",
        ("$nb", NowMs + (long)delay.TotalMilliseconds), ("$id", id));

    /// <summary>Makes a job a dead letter (or, for a dead one replayed, records its new failure) and frees its claim.</summary>
    public void DeadLetter(long id, string operation, string error, bool transient, int attempts) => Execute("""
        UPDATE ticket_jobs SET state = 'dead', claimed_by = NULL, lease_until = 0, outcome = 'failed', operation = $op, error = $error,
            transient = $transient, attempts = $attempts, finished_at = $at WHERE id = $id
        """, ("$op", operation), ("$error", error), ("$transient", transient ? 1 : 0), ("$attempts", attempts), ("$at", Iso(Now)), ("$id", id));

    /// <summary>
    /// Records a finished job in one transaction: its outcome and ticket, the dedupe mapping
    /// (created: new row and the key's request-sent mark cleared; updated: counted), and frees the key.
    /// </summary>
    public void Complete(OutboxJob job, DispatchOutcome outcome, string? ticketRef)
    {
        var w = job.Work;
        var at = Iso(Now);
        InTransaction((connection, transaction) =>
        {
            if (outcome == DispatchOutcome.Created)
            {
                Run(connection, transaction, """
                    INSERT INTO tickets (target, dedupe_key, ticket_ref, rule, created_at, last_update, update_count)
                    VALUES ($target, $key, $ref, $rule, $at, $at, 0)
                    ON CONFLICT (target, dedupe_key) DO UPDATE SET ticket_ref = $ref, rule = $rule, created_at = $at, last_update = $at, update_count = 0
                    """, ("$target", w.Target), ("$key", w.DedupeKey), ("$ref", ticketRef!), ("$rule", w.RuleName), ("$at", at));
            }
            else if (outcome == DispatchOutcome.Updated)
            {
                Run(connection, transaction, "UPDATE tickets SET last_update = $at, update_count = update_count + 1 WHERE target = $target AND dedupe_key = $key",
                    ("$target", w.Target), ("$key", w.DedupeKey), ("$at", at));
            }
            Run(connection, transaction, """
                UPDATE ticket_jobs SET state = 'done', claimed_by = NULL, lease_until = 0, outcome = $outcome, ticket_ref = $ref,
                    error = NULL, finished_at = $at WHERE id = $id
                """, ("$outcome", outcome.ToString().ToLowerInvariant()), ("$ref", (object?)ticketRef ?? DBNull.Value), ("$at", at), ("$id", job.Id));
            Run(connection, transaction, "UPDATE ticket_key_claims SET claimed_by = NULL, lease_until = 0" +
                (outcome == DispatchOutcome.Created ? ", create_sent_at = NULL" : "") + " WHERE target = $target AND dedupe_key = $key AND claimed_by = $me",
                ("$target", w.Target), ("$key", w.DedupeKey));
        });
    }

    /// <summary>Extends every lease this process holds (jobs and keys); run well within <see cref="Lease"/>.</summary>
    public void Renew()
    {
        var until = NowMs + (long)Lease.TotalMilliseconds;
        InTransaction((connection, transaction) =>
        {
            Run(connection, transaction, "UPDATE ticket_jobs SET lease_until = $until WHERE claimed_by = $me AND state <> 'done'", ("$until", until));
            Run(connection, transaction, "UPDATE ticket_key_claims SET lease_until = $until WHERE claimed_by = $me", ("$until", until));
        });
    }

    /// <summary>Frees the leases of holders that died on this host (a crash); returns how many holders.</summary>
    public int BreakDeadHolders()
    {
        var holders = new List<string>();
        using (var connection = Open())
        using (var command = Command(connection, null, """
            SELECT claimed_by FROM ticket_jobs WHERE state <> 'done' AND claimed_by IS NOT NULL AND claimed_by <> $me
            UNION SELECT claimed_by FROM ticket_key_claims WHERE claimed_by IS NOT NULL AND claimed_by <> $me
            """))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                holders.Add(reader.GetString(0));
            }
        }
        var dead = holders.Where(OutboxHolder.IsDeadOnThisHost).ToList();
        foreach (var holder in dead)
        {
            InTransaction((connection, transaction) =>
            {
                Run(connection, transaction, "UPDATE ticket_jobs SET claimed_by = NULL, lease_until = 0 WHERE claimed_by = $dead", ("$dead", holder));
                Run(connection, transaction, "UPDATE ticket_key_claims SET claimed_by = NULL, lease_until = 0 WHERE claimed_by = $dead", ("$dead", holder));
            });
        }
        return dead.Count;
    }

    /// <summary>Rows by state.</summary>
    public OutboxCounts Counts()
    {
        using var connection = Open();
        using var command = Command(connection, null, """
            SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'dead'), 0), COALESCE(SUM(state = 'done'), 0) FROM ticket_jobs
            """);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new OutboxCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Deletes done jobs finished more than <paramref name="keep"/> ago; returns how many.</summary>
    public int PruneDone(TimeSpan keep) => Execute("DELETE FROM ticket_jobs WHERE state = 'done' AND finished_at < $before",
        ("$before", Iso(Now - keep)));

    /// <summary>Every dead letter, oldest first.</summary>
    public List<DeadLetter> DeadLetters()
    {
        using var connection = Open();
        using var command = Command(connection, null, $"""
            SELECT {Columns}, finished_at, operation, error, transient, attempts FROM ticket_jobs WHERE state = 'dead' ORDER BY id
            """);
        using var reader = command.ExecuteReader();
        var letters = new List<DeadLetter>();
        while (reader.Read())
        {
            var w = ReadWork(reader);
            letters.Add(new DeadLetter(w.RuleName, w.Target, w.DedupeKey, w.OnCreate, w.OnUpdate, w.RawEvent, w.ReceivedAt,
                ParseTime(reader.GetString(9)), reader.GetString(10), reader.GetString(11), reader.GetInt64(12) != 0, (int)reader.GetInt64(13))
            { JobId = reader.GetInt64(0) });
        }
        return letters;
    }

    /// <summary>Adds a dead letter directly (a legacy dead-letter file being imported).</summary>
    public long AddDead(DeadLetter letter)
    {
        var id = Add([letter.ToWork()])[0];
        DeadLetter(id, letter.Operation, letter.Error, letter.Transient, letter.Attempts);
        return id;
    }

    internal DateTimeOffset Now => _time.GetUtcNow();
    internal long NowMs => Now.ToUnixTimeMilliseconds();

    private List<OutboxJob> ClaimWhere(string where)
    {
        var jobs = new List<OutboxJob>();
        var until = NowMs + (long)Lease.TotalMilliseconds;
        InTransaction((connection, transaction) =>
        {
            using (var select = Command(connection, transaction, $"SELECT {Columns} FROM ticket_jobs AS j INDEXED BY ticket_jobs_by_state WHERE {where}"))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    jobs.Add(new OutboxJob(reader.GetInt64(0), ReadWork(reader), (int)reader.GetInt64(8) + 1));
                }
            }
            using var claim = Command(connection, transaction,
                "UPDATE ticket_jobs SET claimed_by = $me, lease_until = $until, runs = runs + 1 WHERE id = $id", ("$until", until), ("$id", 0L));
            foreach (var job in jobs)
            {
                Set(claim, "$id", job.Id);
                claim.ExecuteNonQuery();
            }
        });
        return jobs;
    }

    private static TicketWork ReadWork(DbDataReader r) => new(r.GetString(1), r.GetString(2), r.GetString(3),
        FromJson(r.IsDBNull(4) ? null : r.GetString(4)), FromJson(r.IsDBNull(5) ? null : r.GetString(5)),
        r.GetString(6), ParseTime(r.GetString(7)));

    private static object ToJson(IReadOnlyDictionary<string, string>? fields) => fields is null
        ? DBNull.Value
        : JsonSerializer.Serialize(fields as Dictionary<string, string> ?? fields.ToDictionary(), OutboxJsonContext.Default.DictionaryStringString);

    private static Dictionary<string, string>? FromJson(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, OutboxJsonContext.Default.DictionaryStringString);

    internal static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    internal int Execute(string sql, params (string Name, object Value)[] parameters) => Execute(false, sql, parameters);

    internal int Execute(bool durable, string sql, params (string Name, object Value)[] parameters)
    {
        lock (_write)
        {
            using var connection = Open(durable);
            using var command = Command(connection, null, sql, parameters);
            return command.ExecuteNonQuery();
        }
    }

    /// <summary>Runs <paramref name="body"/> in <c>BEGIN IMMEDIATE</c> (the write lock first, so two processes never both read "free").</summary>
    internal T InTransaction<T>(Func<DbConnection, DbTransaction, T> body, bool durable = false)
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

    internal void InTransaction(Action<DbConnection, DbTransaction> body) => InTransaction(false, body);

    internal void InTransaction(bool durable, Action<DbConnection, DbTransaction> body) => InTransaction<bool>((c, t) =>
    {
        body(c, t);
        return true;
    }, durable);

    internal int Run(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    // Durable writes (accepting jobs, the create's request-sent mark) use synchronous=FULL: on disk (WAL
    // fsync'd) before they return. The rest uses NORMAL: in WAL mode it survives a killed process, and
    // what a power cut may take back (a claim, a completion) only makes a job run again — a create then
    // finds its ticket through the request-sent mark, which is durable. The busy timeout lets SQLite
    // wait for another process's write lock in short steps (see _write).
    private DbConnection Open(bool durable = false)
    {
        var connection = SqliteStateFile.Open(_connectionString);
        SqliteStateFile.Execute(connection, durable ? "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000" : "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000");
        return connection;
    }

    internal DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        if (sql.Contains("$me", StringComparison.Ordinal))
        {
            Set(command, "$me", Holder);
        }
        foreach (var (name, value) in parameters)
        {
            Set(command, name, value);
        }
        return command;
    }

    private static void Set(DbCommand command, string name, object value)
    {
        if (command.Parameters.Contains(name))
        {
            command.Parameters[name].Value = value;
            return;
        }
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
