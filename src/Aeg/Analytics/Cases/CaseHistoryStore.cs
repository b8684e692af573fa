using System.Data.Common;
using Aeg.State;

namespace Aeg.Analytics.Cases;

/// <summary>
/// The ESM case history of the analyst metrics, in the analytics database (<c>analytics.db</c>) in tables of its own:
/// every snapshot the case poller saw (<c>analytics_case_snapshots</c>) and the durations derived from them
/// (<c>analytics_case_durations</c>). Recording is idempotent: the look-back and a restart re-read cases, and a snapshot
/// or duration already kept is not kept twice.
/// </summary>
public sealed class CaseHistoryStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS analytics_case_snapshots (
            case_id      TEXT    NOT NULL,
            modified_ms  INTEGER NOT NULL,
            created_ms   INTEGER NOT NULL,
            stage        TEXT    NOT NULL,
            owner        TEXT    NOT NULL,
            PRIMARY KEY (case_id, modified_ms));
        CREATE TABLE IF NOT EXISTS analytics_case_durations (
            case_id   TEXT    NOT NULL,
            kind      TEXT    NOT NULL,
            owner     TEXT    NOT NULL,
            start_ms  INTEGER NOT NULL,
            end_ms    INTEGER NOT NULL,
            PRIMARY KEY (case_id, kind, end_ms));
        CREATE INDEX IF NOT EXISTS analytics_case_durations_end ON analytics_case_durations (end_ms);
        """;

    private readonly string _connectionString;
    private readonly CaseDurations _durations;

    public CaseHistoryStore(string path, CaseDurations durations)
    {
        Path = path;
        _durations = durations;
        _connectionString = SqliteStateFile.Create(path, Schema);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Keeps the snapshots and the durations they complete, in one transaction; returns the durations new to the store.</summary>
    public List<CaseDuration> Record(IReadOnlyCollection<CaseSnapshot> snapshots)
    {
        var added = new List<CaseDuration>();
        if (snapshots.Count == 0)
        {
            return added;
        }
        using var connection = SqliteStateFile.Open(_connectionString);
        using var transaction = connection.BeginTransaction();
        foreach (var s in snapshots)
        {
            Execute(connection, transaction, "INSERT OR IGNORE INTO analytics_case_snapshots (case_id, modified_ms, created_ms, stage, owner) VALUES ($c, $m, $cr, $s, $o)",
                ("$c", s.CaseId), ("$m", s.ModifiedMs), ("$cr", s.CreatedMs), ("$s", s.Stage), ("$o", s.Owner));
        }
        foreach (var caseId in snapshots.Select(s => s.CaseId).Distinct(StringComparer.Ordinal))
        {
            foreach (var d in _durations.Of(History(connection, transaction, caseId)))
            {
                if (Execute(connection, transaction, "INSERT OR IGNORE INTO analytics_case_durations (case_id, kind, owner, start_ms, end_ms) VALUES ($c, $k, $o, $s, $e)",
                    ("$c", d.CaseId), ("$k", Kind(d.Kind)), ("$o", d.Owner), ("$s", d.StartMs), ("$e", d.EndMs)) > 0)
                {
                    added.Add(d);
                }
            }
        }
        transaction.Commit();
        return added;
    }

    /// <summary>The durations that ended in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    public List<CaseDuration> Durations(long fromMs = long.MinValue, long toMs = long.MaxValue) => Durations(_connectionString, fromMs, toMs);

    /// <summary>
    /// The durations of the history in <paramref name="analyticsDb"/> that ended in the period, without creating anything: none when
    /// the file or its case tables do not exist (a report must not create state).
    /// </summary>
    public static List<CaseDuration> ReadDurations(string analyticsDb, long fromMs, long toMs)
    {
        if (!File.Exists(analyticsDb))
        {
            return [];
        }
        var connectionString = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = analyticsDb, Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using (var connection = SqliteStateFile.Open(connectionString))
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'analytics_case_durations'";
            if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return [];
            }
        }
        return Durations(connectionString, fromMs, toMs);
    }

    private static List<CaseDuration> Durations(string connectionString, long fromMs, long toMs)
    {
        using var connection = SqliteStateFile.Open(connectionString);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT case_id, kind, owner, start_ms, end_ms FROM analytics_case_durations WHERE end_ms >= $from AND end_ms < $to ORDER BY end_ms, case_id, kind";
        Add(command, "$from", fromMs);
        Add(command, "$to", toMs);
        using var r = command.ExecuteReader();
        var list = new List<CaseDuration>();
        while (r.Read())
        {
            list.Add(new CaseDuration(r.GetString(0), r.GetString(1) == "close" ? CaseDurationKind.Close : CaseDurationKind.FirstChange, r.GetString(2), r.GetInt64(3), r.GetInt64(4)));
        }
        return list;
    }

    private static List<CaseSnapshot> History(DbConnection connection, DbTransaction transaction, string caseId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT modified_ms, created_ms, stage, owner FROM analytics_case_snapshots WHERE case_id = $c ORDER BY modified_ms";
        Add(command, "$c", caseId);
        using var r = command.ExecuteReader();
        var list = new List<CaseSnapshot>();
        while (r.Read())
        {
            list.Add(new CaseSnapshot(caseId, r.GetInt64(1), r.GetInt64(0), r.GetString(2), r.GetString(3)));
        }
        return list;
    }

    internal static string Kind(CaseDurationKind kind) => kind == CaseDurationKind.Close ? "close" : "first_change";

    private static int Execute(DbConnection connection, DbTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Add(command, name, value);
        }
        return command.ExecuteNonQuery();
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
