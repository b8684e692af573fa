using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Aeg.Analytics;

/// <summary>
/// The analyst metrics history in SQLite (<c>&lt;state dir&gt;/analytics.db</c>): each event's last
/// known state, its stage transitions, the measured durations and the counted notes, so metrics
/// survive restarts and a report can cover any period.
/// </summary>
public sealed class AnalyticsStore
{
    private readonly string _connectionString;

    public AnalyticsStore(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL");
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS analytics_events (
                event_id          INTEGER PRIMARY KEY,
                version           INTEGER NOT NULL,
                modification_ms   INTEGER NOT NULL,
                mrt_ms            INTEGER,
                stage             TEXT    NOT NULL,
                flags             INTEGER NOT NULL,
                review_anchor_ms  INTEGER,
                responded         INTEGER NOT NULL,
                review_measured   INTEGER NOT NULL,
                incomplete        INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS analytics_transitions (
                event_id    INTEGER NOT NULL,
                version     INTEGER NOT NULL,
                time_ms     INTEGER NOT NULL,
                analyst     TEXT    NOT NULL,
                from_stage  TEXT    NOT NULL,
                to_stage    TEXT    NOT NULL,
                from_audit  INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS analytics_transitions_time ON analytics_transitions (time_ms);
            CREATE TABLE IF NOT EXISTS analytics_durations (
                event_id  INTEGER NOT NULL,
                kind      TEXT    NOT NULL,
                analyst   TEXT    NOT NULL,
                start_ms  INTEGER NOT NULL,
                end_ms    INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS analytics_durations_end ON analytics_durations (end_ms);
            CREATE TABLE IF NOT EXISTS analytics_notes (
                event_id  INTEGER NOT NULL,
                version   INTEGER NOT NULL,
                time_ms   INTEGER NOT NULL,
                note      TEXT    NOT NULL);
            CREATE INDEX IF NOT EXISTS analytics_notes_time ON analytics_notes (time_ms);
            """);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Applies rows in order in one transaction (cheap per batch; all or nothing) and returns what
    /// they produced. A row the history already holds is only noted as stale.
    /// </summary>
    public List<RowOutcome> Apply(IReadOnlyList<AnalyticsRow> rows, TransitionDeriver deriver)
    {
        var outcomes = new List<RowOutcome>(rows.Count);
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var known = LoadMany(connection, transaction, rows);
        using var upsert = Command(connection, transaction, """
            INSERT INTO analytics_events VALUES ($id, $v, $m, $mrt, $stage, $flags, $anchor, $resp, $rev, $inc)
            ON CONFLICT (event_id) DO UPDATE SET version = $v, modification_ms = $m, mrt_ms = $mrt, stage = $stage, flags = $flags,
              review_anchor_ms = $anchor, responded = $resp, review_measured = $rev, incomplete = $inc
            """, "$id", "$v", "$m", "$mrt", "$stage", "$flags", "$anchor", "$resp", "$rev", "$inc");
        using var transition = Command(connection, transaction,
            "INSERT INTO analytics_transitions VALUES ($id, $v, $t, $a, $from, $to, $audit)", "$id", "$v", "$t", "$a", "$from", "$to", "$audit");
        using var duration = Command(connection, transaction,
            "INSERT INTO analytics_durations VALUES ($id, $kind, $a, $start, $end)", "$id", "$kind", "$a", "$start", "$end");
        using var note = Command(connection, transaction,
            "INSERT INTO analytics_notes VALUES ($id, $v, $t, $note)", "$id", "$v", "$t", "$note");
        foreach (var row in rows)
        {
            var outcome = deriver.Apply(known.GetValueOrDefault(row.EventId), row);
            outcomes.Add(outcome);
            if (outcome.Next is { } h)
            {
                known[h.EventId] = h;
                Run(upsert, h.EventId, h.Version, h.ModificationTimeMs, h.ManagerReceiptTimeMs, h.Stage, h.Flags, h.ReviewAnchorMs,
                    h.Responded, h.ReviewMeasured, h.Incomplete);
            }
            foreach (var t in outcome.Transitions)
            {
                Run(transition, t.EventId, t.Version, t.TimeMs, t.Analyst, t.FromStage, t.ToStage, t.FromAuditTrail);
            }
            foreach (var d in outcome.Durations)
            {
                Run(duration, d.EventId, d.Kind.ToString(), d.Analyst, d.StartMs, d.EndMs);
            }
            foreach (var n in outcome.Notes)
            {
                Run(note, n.EventId, n.Version, n.TimeMs, n.Note.ToString());
            }
        }
        transaction.Commit();
        return outcomes;
    }

    /// <summary>The recorded history of one event, or null.</summary>
    public EventHistory? Find(long eventId)
    {
        using var connection = Open();
        using var select = Command(connection, null, """
            SELECT version, modification_ms, mrt_ms, stage, flags, review_anchor_ms, responded, review_measured, incomplete
            FROM analytics_events WHERE event_id = $id
            """, "$id");
        return Load(select, eventId);
    }

    /// <summary>Durations that ended in [from, to); all of them when both are null.</summary>
    public List<AnalystDuration> Durations(long fromMs = long.MinValue, long toMs = long.MaxValue)
    {
        using var connection = Open();
        using var command = Command(connection, null,
            "SELECT event_id, kind, analyst, start_ms, end_ms FROM analytics_durations WHERE end_ms >= $from AND end_ms < $to ORDER BY end_ms",
            "$from", "$to");
        Bind(command, fromMs, toMs);
        using var r = command.ExecuteReader();
        var list = new List<AnalystDuration>();
        while (r.Read())
        {
            list.Add(new AnalystDuration(r.GetInt64(0), Enum.Parse<DurationKind>(r.GetString(1)), r.GetString(2), r.GetInt64(3), r.GetInt64(4)));
        }
        return list;
    }

    /// <summary>Stage transitions made in [from, to).</summary>
    public List<StageTransition> Transitions(long fromMs = long.MinValue, long toMs = long.MaxValue)
    {
        using var connection = Open();
        using var command = Command(connection, null,
            "SELECT event_id, version, time_ms, analyst, from_stage, to_stage, from_audit FROM analytics_transitions WHERE time_ms >= $from AND time_ms < $to ORDER BY time_ms",
            "$from", "$to");
        Bind(command, fromMs, toMs);
        using var r = command.ExecuteReader();
        var list = new List<StageTransition>();
        while (r.Read())
        {
            list.Add(new StageTransition(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt64(6) != 0));
        }
        return list;
    }

    /// <summary>Notes made in [from, to).</summary>
    public List<HistoryNoteEntry> Notes(long fromMs = long.MinValue, long toMs = long.MaxValue)
    {
        using var connection = Open();
        using var command = Command(connection, null,
            "SELECT event_id, version, time_ms, note FROM analytics_notes WHERE time_ms >= $from AND time_ms < $to ORDER BY time_ms",
            "$from", "$to");
        Bind(command, fromMs, toMs);
        using var r = command.ExecuteReader();
        var list = new List<HistoryNoteEntry>();
        while (r.Read())
        {
            list.Add(new HistoryNoteEntry(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), Enum.Parse<HistoryNote>(r.GetString(3))));
        }
        return list;
    }

    private static EventHistory? Load(DbCommand select, long eventId)
    {
        select.Parameters[0].Value = eventId;
        using var r = select.ExecuteReader();
        return r.Read() ? Read(r, eventId, 0) : null;
    }

    // One query for the whole batch instead of one per row: the ids go in as a JSON array.
    private static Dictionary<long, EventHistory> LoadMany(DbConnection connection, DbTransaction transaction, IReadOnlyList<AnalyticsRow> rows)
    {
        var ids = new System.Text.StringBuilder(rows.Count * 8).Append('[');
        for (var i = 0; i < rows.Count; i++)
        {
            ids.Append(i == 0 ? "" : ",").Append(rows[i].EventId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var select = Command(connection, transaction, """
            SELECT event_id, version, modification_ms, mrt_ms, stage, flags, review_anchor_ms, responded, review_measured, incomplete
            FROM analytics_events WHERE event_id IN (SELECT value FROM json_each($ids))
            """, "$ids");
        select.Parameters[0].Value = ids.Append(']').ToString();
        var known = new Dictionary<long, EventHistory>(rows.Count);
        using var r = select.ExecuteReader();
        while (r.Read())
        {
            var id = r.GetInt64(0);
            known[id] = Read(r, id, 1);
        }
        return known;
    }

    private static EventHistory Read(DbDataReader r, long eventId, int o) => new(eventId, r.GetInt64(o), r.GetInt64(o + 1),
        r.IsDBNull(o + 2) ? null : r.GetInt64(o + 2), r.GetString(o + 3), r.GetInt64(o + 4), r.IsDBNull(o + 5) ? null : r.GetInt64(o + 5),
        r.GetInt64(o + 6) != 0, r.GetInt64(o + 7) != 0, r.GetInt64(o + 8) != 0);

    private static void Bind(DbCommand command, long fromMs, long toMs)
    {
        command.Parameters[0].Value = fromMs;
        command.Parameters[1].Value = toMs;
    }

    private static void Run(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] switch
            {
                null => DBNull.Value,
                bool b => b ? 1L : 0L,
                var v => v,
            };
        }
        command.ExecuteNonQuery();
    }

    private DbConnection Open()
    {
        DbConnection connection = new SqliteConnection(_connectionString);
        connection.Open();
        // With WAL, NORMAL cannot corrupt the file; a power cut may lose the last batch's metrics,
        // which costs less than an fsync per batch on the drain.
        Execute(connection, "PRAGMA synchronous=NORMAL");
        return connection;
    }

    private static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params string[] parameterNames)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }
}
