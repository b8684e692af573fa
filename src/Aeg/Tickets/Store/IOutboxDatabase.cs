using System.Data.Common;

namespace Aeg.Tickets.Store;

/// <summary>
/// Where the ticket outbox and dedupe store live (SQLite file or shared MariaDB database): connections,
/// transactions, and the few SQL fragments that differ between the two, so <see cref="TicketOutbox"/>,
/// <see cref="TicketStore"/> and <see cref="OutboxKeys"/> run the same statements on either.
/// </summary>
/// <remarks>
/// A dedupe key is matched through <see cref="KeyMatch"/>: (target, dedupe_key) in SQLite; a SHA-256 of
/// both (<c>key_hash</c>, parameter <c>@hash</c>, see <see cref="OutboxKeyHash"/>) in MariaDB, whose index
/// cannot hold a long key (the full key stays in its column).
/// </remarks>
public interface IOutboxDatabase
{
    /// <summary>Where the store is, safe to log (no password).</summary>
    string Description { get; }

    /// <summary>An open connection; <paramref name="durable"/>: its commits are on disk before they return.</summary>
    DbConnection Open(bool durable = false);

    /// <summary>
    /// Runs <paramref name="body"/> in a write transaction and commits it. The body may run more than
    /// once (MariaDB retries a deadlock victim), so it must not keep state from an earlier run.
    /// </summary>
    T InTransaction<T>(Func<DbConnection, DbTransaction, T> body, bool durable = false);

    /// <summary><c>INSERT OR IGNORE</c> / <c>INSERT IGNORE</c>.</summary>
    string InsertIgnore { get; }

    /// <summary>Matches the key of parameters <c>@target</c>/<c>@key</c> (and <c>@hash</c>) on table alias <paramref name="alias"/> (with its dot, or empty).</summary>
    string KeyMatch(string alias = "");

    /// <summary>Two aliases' rows have the same key.</summary>
    string SameKey(string a, string b);

    /// <summary>The key's columns of a table, prefixed with <paramref name="alias"/> (for INSERT column lists and SELECTs).</summary>
    string KeyColumns(string alias = "");

    /// <summary>The key's parameters, in <see cref="KeyColumns"/> order.</summary>
    string KeyValues { get; }

    /// <summary>What follows an <c>INSERT INTO tickets</c> to overwrite an existing row of the key (then <c>col = value, …</c>).</summary>
    string UpsertTicket { get; }

    /// <summary><c>ticket_key_heads AS h</c> joined to <c>ticket_jobs AS j</c>, heads as the outer loop (walked in job order), whatever the planner would pick.</summary>
    string HeadsThenJobs { get; }

    /// <summary>What ends a claim's SELECT so that two claimers never read the same free row.</summary>
    string ClaimLock { get; }

    /// <summary>What ends an INSERT into ticket_jobs so that <see cref="InsertedId"/> can read the new id.</summary>
    string ReturningId { get; }

    /// <summary>Runs an INSERT ending in <see cref="ReturningId"/> and returns the new row's id.</summary>
    long InsertedId(DbCommand insert);
}
