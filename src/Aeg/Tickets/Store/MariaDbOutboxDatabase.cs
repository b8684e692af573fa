using System.Data;
using System.Data.Common;
using Aeg.Annotations;
using Aeg.Configuration;
using MySqlConnector;
using Serilog;

namespace Aeg.Tickets.Store;

/// <summary>
/// The shared store (<c>tickets.store: mariadb</c>): the outbox and dedupe tables in Aeg's own database
/// (<c>ha.database</c>) on the <c>database:</c> server, so every instance behind a balancer sees one job
/// list and one ticket per key. Claims read with <c>FOR UPDATE SKIP LOCKED</c> in READ COMMITTED
/// transactions; a deadlock victim is run again.
/// </summary>
public sealed class MariaDbOutboxDatabase : IOutboxDatabase
{
    private const int MaxDeadlockRetries = 10;
    private readonly string _connectionString;

    private MariaDbOutboxDatabase(string connectionString, string description)
    {
        _connectionString = connectionString;
        Description = description;
    }

    public string Description { get; }

    /// <summary>
    /// Connects to <paramref name="database"/> on the server of <paramref name="server"/> and creates the tables when missing.
    /// While the server cannot be reached it retries with backoff (1s doubling to 30s), logging each failure: an outage delays
    /// start-up, it never crash-loops. A missing database or a missing grant is not retried: it throws <see cref="OutboxStoreException"/>.
    /// </summary>
    public static MariaDbOutboxDatabase Open(DatabaseOptions server, string password, string database, ILogger log, CancellationToken cancellationToken = default)
    {
        var options = new DatabaseOptions
        {
            Host = server.Host,
            Port = server.Port,
            Database = database,
            User = server.User,
            SslMode = server.SslMode,
            ConnectTimeout = server.ConnectTimeout,
            CommandTimeout = server.CommandTimeout,
        };
        var access = new AnnotationDatabase(options, password);
        var store = new MariaDbOutboxDatabase(access.ConnectionString(), $"{access.Description} (ticket outbox)");
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                store.EnsureTables(database);
                return store;
            }
            catch (MySqlException ex) when (IsSetupError(ex))
            {
                throw new OutboxStoreException(
                    $"tickets.store is mariadb but {access.Description} refuses the outbox: {ex.Message}. Create the database and grant " +
                    $"SELECT, INSERT, UPDATE, DELETE, CREATE, INDEX on `{database}`.* to '{server.User}' (docs/scaling.md)", ex);
            }
            catch (MySqlException ex)
            {
                log.Error("Ticket outbox: cannot reach {Database} ({Reason}); retrying in {Delay}s", access.Description, ex.Message, delay.TotalSeconds);
                cancellationToken.WaitHandle.WaitOne(delay);
                cancellationToken.ThrowIfCancellationRequested();
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    // Access denied, unknown database, command denied: an operator must act; retrying will not help.
    private static bool IsSetupError(MySqlException ex) => ex.ErrorCode is MySqlErrorCode.AccessDenied or MySqlErrorCode.DatabaseAccessDenied
        or MySqlErrorCode.UnknownDatabase or MySqlErrorCode.TableAccessDenied or MySqlErrorCode.ColumnAccessDenied;

    private void EnsureTables(string database)
    {
        using var connection = Open();
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = @db AND TABLE_NAME IN ('tickets', 'ticket_jobs', 'ticket_key_claims', 'ticket_key_heads')";
        AnnotationDatabase.AddParameter(exists, "@db", database);
        // Looked up first: an account with only DML grants can use tables an administrator created.
        if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 4)
        {
            return;
        }
        foreach (var statement in Schema.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var create = connection.CreateCommand();
            create.CommandText = statement;
            create.ExecuteNonQuery();
        }
    }

    public DbConnection Open(bool durable = false)
    {
        var connection = new MySqlConnection(_connectionString);
        try
        {
            connection.Open();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return connection;
    }

    public T InTransaction<T>(Func<DbConnection, DbTransaction, T> body, bool durable = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var connection = Open(durable);
            using var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
            try
            {
                var result = body(connection, transaction);
                transaction.Commit();
                return result;
            }
            catch (MySqlException ex) when (attempt < MaxDeadlockRetries &&
                ex.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout)
            {
                // InnoDB rolled the whole transaction back: running it again is safe.
                Thread.Sleep(Random.Shared.Next(1, 10 * attempt));
            }
        }
    }

    public string InsertIgnore => "INSERT IGNORE";

    public string KeyMatch(string alias = "") => $"{alias}key_hash = @hash";

    public string SameKey(string a, string b) => $"{a}.key_hash = {b}.key_hash";

    public string KeyColumns(string alias = "") => $"{alias}target, {alias}dedupe_key, {alias}key_hash";

    public string KeyValues => "@target, @key, @hash";

    public string UpsertTicket => "ON DUPLICATE KEY UPDATE";

    public string HeadsThenJobs => "ticket_key_heads AS h STRAIGHT_JOIN ticket_jobs AS j";

    // Rows another instance is claiming right now are skipped, not waited for.
    public string ClaimLock => "FOR UPDATE SKIP LOCKED";

    public string ReturningId => "";

    public long InsertedId(DbCommand insert)
    {
        insert.ExecuteNonQuery();
        return ((MySqlCommand)insert).LastInsertedId;
    }

    /// <summary>The tables (also in docs/scaling.md); times are ISO-8601 text as in SQLite, keys matched by <c>key_hash</c>.</summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS tickets (
          key_hash     CHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
          target       VARCHAR(255) NOT NULL,
          dedupe_key   TEXT         NOT NULL,
          ticket_ref   TEXT         NOT NULL,
          rule         TEXT         NOT NULL,
          created_at   VARCHAR(40)  NOT NULL,
          last_update  VARCHAR(40)  NOT NULL,
          update_count BIGINT       NOT NULL DEFAULT 0,
          KEY tickets_by_update (last_update)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
        CREATE TABLE IF NOT EXISTS ticket_jobs (
          id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
          rule        TEXT         NOT NULL,
          target      VARCHAR(255) NOT NULL,
          dedupe_key  TEXT         NOT NULL,
          key_hash    CHAR(64) CHARACTER SET ascii NOT NULL,
          on_create   LONGTEXT     NULL,
          on_update   LONGTEXT     NULL,
          raw_event   LONGTEXT     NOT NULL,
          received_at VARCHAR(40)  NOT NULL,
          accepted_at VARCHAR(40)  NOT NULL,
          state       VARCHAR(10)  NOT NULL DEFAULT 'pending',
          claimed_by  VARCHAR(255) NULL,
          lease_until BIGINT       NOT NULL DEFAULT 0,
          not_before  BIGINT       NOT NULL DEFAULT 0,
          runs        BIGINT       NOT NULL DEFAULT 0,
          outcome     VARCHAR(16)  NULL,
          ticket_ref  TEXT         NULL,
          operation   TEXT         NULL,
          error       TEXT         NULL,
          transient   BIGINT       NULL,
          attempts    BIGINT       NULL,
          finished_at VARCHAR(40)  NULL,
          KEY ticket_jobs_by_key (state, key_hash, id),
          KEY ticket_jobs_by_state (state, id),
          KEY ticket_jobs_by_holder (claimed_by)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
        CREATE TABLE IF NOT EXISTS ticket_key_claims (
          key_hash       CHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
          target         VARCHAR(255) NOT NULL,
          dedupe_key     TEXT         NOT NULL,
          claimed_by     VARCHAR(255) NULL,
          lease_until    BIGINT       NOT NULL DEFAULT 0,
          create_sent_at VARCHAR(40)  NULL,
          KEY ticket_key_claims_by_holder (claimed_by)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
        CREATE TABLE IF NOT EXISTS ticket_key_heads (
          key_hash   CHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
          target     VARCHAR(255) NOT NULL,
          dedupe_key TEXT         NOT NULL,
          job_id     BIGINT       NOT NULL,
          UNIQUE KEY ticket_key_heads_by_job (job_id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
        """;
}

/// <summary>The shared ticket store cannot be used as configured (no database, no grant); the message says what to do.</summary>
public sealed class OutboxStoreException(string message, Exception inner) : Exception(message, inner);
