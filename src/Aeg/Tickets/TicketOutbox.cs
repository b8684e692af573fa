using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Aeg.Tickets.Store;

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
    private const string JobColumns = "j.id, j.rule, j.target, j.dedupe_key, j.on_create, j.on_update, j.raw_event, j.received_at, j.runs";
    private readonly TimeProvider _time;

    public TicketOutbox(string path, TimeSpan lease, TimeProvider? time = null, string? holder = null)
        : this(new SqliteOutboxDatabase(path), lease, time, holder)
    {
    }

    public TicketOutbox(IOutboxDatabase database, TimeSpan lease, TimeProvider? time = null, string? holder = null)
    {
        Database = database;
        Store = new TicketStore(database);
        Lease = lease;
        _time = time ?? TimeProvider.System;
        Holder = holder ?? OutboxHolder.Self;
        Keys = new OutboxKeys(this);
    }

    /// <summary>Where the outbox lives (SQLite file or shared MariaDB).</summary>
    public IOutboxDatabase Database { get; }

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
            ids.Clear();
            using var insert = Command(connection, transaction, $"""
                INSERT INTO ticket_jobs (rule, {Database.KeyColumns()}, on_create, on_update, raw_event, received_at, accepted_at)
                VALUES (@rule, {Database.KeyValues}, @create, @update, @raw, @received, @accepted) {Database.ReturningId}
                """, ("@rule", ""), ("@target", ""), ("@key", ""), ("@hash", ""), ("@create", DBNull.Value), ("@update", DBNull.Value),
                ("@raw", ""), ("@received", ""), ("@accepted", Iso(Now)));
            // A key with no pending job gets this one as its head; otherwise its older head stays.
            using var head = Command(connection, transaction,
                $"{Database.InsertIgnore} INTO ticket_key_heads ({Database.KeyColumns()}, job_id) VALUES ({Database.KeyValues}, @id)",
                ("@target", ""), ("@key", ""), ("@hash", ""), ("@id", 0L));
            foreach (var w in works)
            {
                Set(insert, "@rule", w.RuleName);
                SetKey(insert, w.Target, w.DedupeKey);
                Set(insert, "@create", ToJson(w.OnCreate));
                Set(insert, "@update", ToJson(w.OnUpdate));
                Set(insert, "@raw", w.RawEvent);
                Set(insert, "@received", Iso(w.ReceivedAt));
                var id = Database.InsertedId(insert);
                SetKey(head, w.Target, w.DedupeKey);
                Set(head, "@id", id);
                head.ExecuteNonQuery();
                ids.Add(id);
            }
        });
        return ids;
    }

    /// <summary>Claims up to <paramref name="max"/> runnable jobs: each the oldest pending one of its key, free or with an expired lease.</summary>
    public List<OutboxJob> Claim(int max)
    {
        var now = NowMs;
        // Only each key's head (ticket_key_heads, kept in the transactions that add and finish jobs) is
        // looked at: a claim costs the keys with pending work, not the pending jobs behind them.
        return ClaimWhere($"""
            FROM {Database.HeadsThenJobs} ON j.id = h.job_id
            WHERE j.state = 'pending' AND j.not_before <= {now} AND (j.claimed_by IS NULL OR j.lease_until < {now})
            ORDER BY h.job_id LIMIT {max} {Database.ClaimLock}
            """);
    }

    /// <summary>Claims one job by id in <paramref name="state"/> (<c>pending</c> or <c>dead</c>) if nobody else holds it.</summary>
    public OutboxJob? ClaimById(long id, string state)
    {
        var now = NowMs;
        return ClaimWhere($"FROM ticket_jobs AS j WHERE id = {id} AND state = '{(state == "dead" ? "dead" : "pending")}' AND (claimed_by IS NULL OR claimed_by = @me OR lease_until < {now}) {Database.ClaimLock}")
            .SingleOrDefault();
    }

    /// <summary>True while some pending job could still be claimed by this process now or later (not held by another live holder).</summary>
    public bool HasWork()
    {
        using var connection = Open();
        using var command = Command(connection, null,
            "SELECT EXISTS (SELECT 1 FROM ticket_jobs WHERE state = 'pending' AND (claimed_by IS NULL OR claimed_by = @me OR lease_until < @now))",
            ("@me", Holder), ("@now", NowMs));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>True while a job of (<paramref name="target"/>, <paramref name="dedupeKey"/>) older than <paramref name="beforeId"/> is pending.</summary>
    public bool HasPendingBefore(string target, string dedupeKey, long beforeId)
    {
        using var connection = Open();
        using var command = Command(connection, null,
            $"SELECT EXISTS (SELECT 1 FROM ticket_jobs WHERE state = 'pending' AND {Database.KeyMatch()} AND id < @id)",
            ("@target", target), ("@key", dedupeKey), ("@id", beforeId));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>The raw event of the key's newest job (any state), or null when the outbox holds none (never had one, or pruned).</summary>
    public string? LatestRawEvent(string target, string dedupeKey)
    {
        using var connection = Open();
        using var command = Command(connection, null, $"SELECT raw_event FROM ticket_jobs WHERE {Database.KeyMatch()} ORDER BY id DESC LIMIT 1",
            ("@target", target), ("@key", dedupeKey));
        return command.ExecuteScalar() as string;
    }

    /// <summary>True while the key has a pending job (its events are not all sent yet).</summary>
    public bool HasPendingJob(string target, string dedupeKey)
    {
        using var connection = Open();
        using var command = Command(connection, null, $"SELECT EXISTS (SELECT 1 FROM ticket_jobs WHERE state = 'pending' AND {Database.KeyMatch()})",
            ("@target", target), ("@key", dedupeKey));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>Gives a claimed job back, to be claimed again after <paramref name="delay"/> (key busy, shutdown).</summary>
    public void Release(long id, TimeSpan delay) => Execute(
        "UPDATE ticket_jobs SET claimed_by = NULL, lease_until = 0, not_before = @nb WHERE id = @id AND claimed_by = @me",
        ("@nb", NowMs + (long)delay.TotalMilliseconds), ("@id", id));

    /// <summary>Makes a job a dead letter (or, for a dead one replayed, records its new failure) and frees its claim.</summary>
    public void DeadLetter(long id, string operation, string error, bool transient, int attempts) => InTransaction((connection, transaction) =>
    {
        Run(connection, transaction, """
            UPDATE ticket_jobs SET state = 'dead', claimed_by = NULL, lease_until = 0, outcome = 'failed', operation = @op, error = @error,
                transient = @transient, attempts = @attempts, finished_at = @at WHERE id = @id
            """, ("@op", operation), ("@error", error), ("@transient", transient ? 1 : 0), ("@attempts", attempts), ("@at", Iso(Now)), ("@id", id));
        AdvanceHead(connection, transaction, id);
    });

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
                Run(connection, transaction, $"""
                    INSERT INTO tickets ({Database.KeyColumns()}, ticket_ref, rule, created_at, last_update, update_count)
                    VALUES ({Database.KeyValues}, @ref, @rule, @at, @at, 0)
                    {Database.UpsertTicket} ticket_ref = @ref, rule = @rule, created_at = @at, last_update = @at, update_count = 0
                    """, ("@target", w.Target), ("@key", w.DedupeKey), ("@ref", ticketRef!), ("@rule", w.RuleName), ("@at", at));
            }
            else if (outcome == DispatchOutcome.Updated)
            {
                Run(connection, transaction, $"UPDATE tickets SET last_update = @at, update_count = update_count + 1 WHERE {Database.KeyMatch()}",
                    ("@target", w.Target), ("@key", w.DedupeKey), ("@at", at));
            }
            Run(connection, transaction, """
                UPDATE ticket_jobs SET state = 'done', claimed_by = NULL, lease_until = 0, outcome = @outcome, ticket_ref = @ref,
                    error = NULL, finished_at = @at WHERE id = @id
                """, ("@outcome", outcome.ToString().ToLowerInvariant()), ("@ref", (object?)ticketRef ?? DBNull.Value), ("@at", at), ("@id", job.Id));
            AdvanceHead(connection, transaction, job.Id);
            Run(connection, transaction, "UPDATE ticket_key_claims SET claimed_by = NULL, lease_until = 0" +
                (outcome == DispatchOutcome.Created ? ", create_sent_at = NULL" : "") + $" WHERE {Database.KeyMatch()} AND claimed_by = @me",
                ("@target", w.Target), ("@key", w.DedupeKey));
        });
    }

    /// <summary>Extends every lease this process holds (jobs and keys); run well within <see cref="Lease"/>.</summary>
    public void Renew()
    {
        var until = NowMs + (long)Lease.TotalMilliseconds;
        InTransaction((connection, transaction) =>
        {
            Run(connection, transaction, "UPDATE ticket_jobs SET lease_until = @until WHERE claimed_by = @me AND state <> 'done'", ("@until", until));
            Run(connection, transaction, "UPDATE ticket_key_claims SET lease_until = @until WHERE claimed_by = @me", ("@until", until));
        });
    }

    /// <summary>Frees the leases of holders that died on this host (a crash); returns how many holders.</summary>
    public int BreakDeadHolders()
    {
        var holders = new List<string>();
        using (var connection = Open())
        using (var command = Command(connection, null, """
            SELECT claimed_by FROM ticket_jobs WHERE state <> 'done' AND claimed_by IS NOT NULL AND claimed_by <> @me
            UNION SELECT claimed_by FROM ticket_key_claims WHERE claimed_by IS NOT NULL AND claimed_by <> @me
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
                Run(connection, transaction, "UPDATE ticket_jobs SET claimed_by = NULL, lease_until = 0 WHERE claimed_by = @dead", ("@dead", holder));
                Run(connection, transaction, "UPDATE ticket_key_claims SET claimed_by = NULL, lease_until = 0 WHERE claimed_by = @dead", ("@dead", holder));
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
        return new OutboxCounts(Long(reader, 0), Long(reader, 1), Long(reader, 2));
    }

    /// <summary>Deletes done jobs finished more than <paramref name="keep"/> ago; returns how many.</summary>
    public int PruneDone(TimeSpan keep) => Execute("DELETE FROM ticket_jobs WHERE state = 'done' AND finished_at < @before",
        ("@before", Iso(Now - keep)));

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
                ParseTime(reader.GetString(9)), reader.GetString(10), reader.GetString(11), Long(reader, 12) != 0, (int)Long(reader, 13))
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

    private List<OutboxJob> ClaimWhere(string fromWhere)
    {
        var jobs = new List<OutboxJob>();
        var until = NowMs + (long)Lease.TotalMilliseconds;
        InTransaction((connection, transaction) =>
        {
            jobs.Clear();
            using (var select = Command(connection, transaction, $"SELECT {JobColumns} {fromWhere}"))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    jobs.Add(new OutboxJob(reader.GetInt64(0), ReadWork(reader), (int)Long(reader, 8) + 1));
                }
            }
            using var claim = Command(connection, transaction,
                "UPDATE ticket_jobs SET claimed_by = @me, lease_until = @until, runs = runs + 1 WHERE id = @id", ("@until", until), ("@id", 0L));
            foreach (var job in jobs)
            {
                Set(claim, "@id", job.Id);
                claim.ExecuteNonQuery();
            }
        });
        return jobs;
    }

    // The job left 'pending': if it was its key's head, the key's next pending job (if any) becomes the head.
    private void AdvanceHead(DbConnection connection, DbTransaction transaction, long id)
    {
        if (Run(connection, transaction, "DELETE FROM ticket_key_heads WHERE job_id = @id", ("@id", id)) == 0)
        {
            return;
        }
        // MIN(k.id) through ticket_jobs_by_key: one index probe, not a walk of the key's backlog.
        Run(connection, transaction, $"""
            {Database.InsertIgnore} INTO ticket_key_heads ({Database.KeyColumns()}, job_id)
            SELECT {Database.KeyColumns("k.")}, MIN(k.id) FROM ticket_jobs AS j JOIN ticket_jobs AS k ON k.state = 'pending' AND {Database.SameKey("k", "j")}
            WHERE j.id = @id GROUP BY {Database.KeyColumns("k.")}
            """, ("@id", id));
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

    internal int Execute(bool durable, string sql, params (string Name, object Value)[] parameters) =>
        InTransaction((connection, transaction) => Run(connection, transaction, sql, parameters), durable);

    /// <summary>Runs <paramref name="body"/> in one write transaction of <see cref="Database"/> (it may run again after a deadlock).</summary>
    internal T InTransaction<T>(Func<DbConnection, DbTransaction, T> body, bool durable = false) => Database.InTransaction(body, durable);

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

    private DbConnection Open() => Database.Open();

    private static long Long(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    internal DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        if (sql.Contains("@me", StringComparison.Ordinal))
        {
            Set(command, "@me", Holder);
        }
        foreach (var (name, value) in parameters)
        {
            Set(command, name, value);
        }
        if (parameters.Any(p => p.Name == "@key") && sql.Contains("@hash", StringComparison.Ordinal))
        {
            SetKey(command, (string)parameters.First(p => p.Name == "@target").Value, (string)parameters.First(p => p.Name == "@key").Value);
        }
        return command;
    }

    /// <summary>Binds a key's <c>@target</c>, <c>@key</c> and (MariaDB's index key) <c>@hash</c>.</summary>
    internal static void SetKey(DbCommand command, string target, string dedupeKey)
    {
        Set(command, "@target", target);
        Set(command, "@key", dedupeKey);
        if (command.CommandText.Contains("@hash", StringComparison.Ordinal))
        {
            Set(command, "@hash", OutboxKeyHash.Of(target, dedupeKey));
        }
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
