using System.Data.Common;
using System.Globalization;
using System.Text;
using Aeg.State;

namespace Aeg.Analytics;

/// <summary>
/// The analyst metrics history in SQLite (<c>&lt;state dir&gt;/analytics.db</c>): each event's last
/// known state, its stage transitions, the measured durations and the counted notes, so metrics
/// survive restarts and a report can cover any period.
/// </summary>
public sealed partial class AnalyticsStore
{
    private readonly string _connectionString;
    private readonly HistoryWriter _writers;

    public AnalyticsStore(string path)
    {
        Path = path;
        _connectionString = SqliteStateFile.Create(path, """
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
                incomplete        INTEGER NOT NULL,
                review_anchor_inferred INTEGER NOT NULL DEFAULT 0,
                review_anchor_recovered INTEGER NOT NULL DEFAULT 0);
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
                end_ms    INTEGER NOT NULL,
                source    TEXT    NOT NULL DEFAULT 'Observed');
            CREATE INDEX IF NOT EXISTS analytics_durations_end ON analytics_durations (end_ms);
            CREATE TABLE IF NOT EXISTS analytics_notes (
                event_id  INTEGER NOT NULL,
                version   INTEGER NOT NULL,
                time_ms   INTEGER NOT NULL,
                note      TEXT    NOT NULL);
            CREATE INDEX IF NOT EXISTS analytics_notes_time ON analytics_notes (time_ms);
            CREATE TABLE IF NOT EXISTS analytics_cursor (
                id               INTEGER PRIMARY KEY CHECK (id = 1),
                modification_ms  INTEGER NOT NULL,
                event_id         INTEGER NOT NULL);
            """ + BucketsTable + AnalyticsDays.Schema);
        Migrate();
        BackfillBuckets();
        using (var connection = Open())
        {
            AnalyticsDays.Backfill(connection);
        }
        _writers = HistoryWriter.Pool(path);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// The histogram totals per measure, analyst and bucket of every duration ever recorded, kept
    /// in the same transaction as the durations: /metrics starts from these few rows instead of
    /// reading the whole history (seconds and hundreds of MiB at a million rows).
    /// </summary>
    public List<BucketTotal> BucketTotals()
    {
        using var connection = Open();
        using var select = Command(connection, null, "SELECT kind, analyst, source, bucket, count, sum_ms FROM analytics_buckets");
        using var r = select.ExecuteReader();
        var totals = new List<BucketTotal>();
        while (r.Read())
        {
            totals.Add(new BucketTotal(Enum.Parse<DurationKind>(r.GetString(0)), r.GetString(1), Enum.Parse<DurationSource>(r.GetString(2)),
                (int)r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));
        }
        return totals;
    }

    private const string BucketsTable = """
        CREATE TABLE IF NOT EXISTS analytics_buckets (
            kind      TEXT    NOT NULL,
            analyst   TEXT    NOT NULL,
            source    TEXT    NOT NULL,
            bucket    INTEGER NOT NULL,
            count     INTEGER NOT NULL,
            sum_ms    INTEGER NOT NULL,
            PRIMARY KEY (kind, analyst, source, bucket)) WITHOUT ROWID;
        """;

    // Columns added since the first release: a history written before them gets them with the
    // values that were true then (every duration observed, no inferred review).
    private void Migrate()
    {
        using var connection = Open();
        bool Has(string table, string column)
        {
            using var info = Command(connection, null, $"SELECT 1 FROM pragma_table_info('{table}') WHERE name = '{column}'");
            return info.ExecuteScalar() is not null;
        }
        if (!Has("analytics_events", "review_anchor_inferred"))
        {
            SqliteStateFile.Execute(connection, "ALTER TABLE analytics_events ADD COLUMN review_anchor_inferred INTEGER NOT NULL DEFAULT 0");
        }
        if (!Has("analytics_events", "review_anchor_recovered"))
        {
            SqliteStateFile.Execute(connection, "ALTER TABLE analytics_events ADD COLUMN review_anchor_recovered INTEGER NOT NULL DEFAULT 0");
        }
        if (!Has("analytics_durations", "source"))
        {
            SqliteStateFile.Execute(connection, "ALTER TABLE analytics_durations ADD COLUMN source TEXT NOT NULL DEFAULT 'Observed'");
        }
        if (!Has("analytics_buckets", "source"))
        {
            // Totals from a development build without the source: computed again from the durations.
            SqliteStateFile.Execute(connection, "DROP TABLE analytics_buckets");
            SqliteStateFile.Execute(connection, BucketsTable);
        }
    }

    // A history written before the totals existed gets them once, in SQL, from its durations.
    private void BackfillBuckets()
    {
        var bounds = AnalystHistograms.BucketSeconds;
        var bucket = new StringBuilder("CASE");
        for (var i = 0; i < bounds.Length; i++)
        {
            bucket.Append(CultureInfo.InvariantCulture, $" WHEN end_ms - start_ms <= {(long)(bounds[i] * 1000)} THEN {i}");
        }
        bucket.Append(CultureInfo.InvariantCulture, $" ELSE {bounds.Length} END");
        using var connection = Open();
        using var fill = Command(connection, null, $"""
            INSERT INTO analytics_buckets (kind, analyst, source, bucket, count, sum_ms)
            SELECT kind, analyst, source, {bucket}, COUNT(*), SUM(end_ms - start_ms) FROM analytics_durations
            WHERE NOT EXISTS (SELECT 1 FROM analytics_buckets)
            GROUP BY 1, 2, 3, 4
            """);
        fill.ExecuteNonQuery();
    }

    /// <summary>
    /// Applies rows in order in one transaction (cheap per batch; all or nothing) and returns what
    /// they produced. A row the history already holds is only noted as stale.
    /// </summary>
    public List<RowOutcome> Apply(IReadOnlyList<AnalyticsRow> rows, TransitionDeriver deriver, AnnotationCursor? recordedUpTo = null)
    {
        using var pending = Prepare(rows, deriver, recordedUpTo);
        pending.Commit();
        return pending.Outcomes;
    }

    /// <summary>
    /// Applies rows in order inside a transaction that stays open until the returned batch is
    /// committed (disposing it uncommitted rolls everything back): the poller derives and writes
    /// a batch's history while the batch is still being sent, and keeps it only once it was.
    /// <paramref name="recordedUpTo"/>, when given, becomes the <see cref="RecordedUpTo"/> of the same transaction.
    /// </summary>
    public PendingHistory Prepare(IReadOnlyList<AnalyticsRow> rows, TransitionDeriver deriver, AnnotationCursor? recordedUpTo = null) =>
        new(_writers.Rent(), rows, deriver, recordedUpTo);

    /// <summary>
    /// Like <see cref="Apply"/>, but only if the history is recorded up to <paramref name="from"/>
    /// (or holds no position yet): a batch recorded in the background after an earlier one failed
    /// would otherwise move the position past rows it never held. Throws when it is not.
    /// </summary>
    public List<RowOutcome> ApplyAfter(AnnotationCursor from, IReadOnlyList<AnalyticsRow> rows, TransitionDeriver deriver, AnnotationCursor recordedUpTo)
    {
        using var pending = new PendingHistory(_writers.Rent(), rows, deriver, recordedUpTo, expectedFrom: from);
        pending.Commit();
        return pending.Outcomes;
    }

    /// <summary>
    /// The keyset position up to which every annotation row is in the history (null before the
    /// first batch): metrics follow the event stream from here, reading the rows again if they
    /// fell behind it.
    /// </summary>
    public AnnotationCursor? RecordedUpTo()
    {
        using var connection = Open();
        using var select = Command(connection, null, "SELECT modification_ms, event_id FROM analytics_cursor WHERE id = 1");
        using var r = select.ExecuteReader();
        return r.Read() ? new AnnotationCursor(r.GetInt64(0), r.GetInt64(1)) : null;
    }

    /// <summary>Sets <see cref="RecordedUpTo"/> without recording rows.</summary>
    public void SetRecordedUpTo(AnnotationCursor cursor)
    {
        using var connection = Open();
        using var save = Command(connection, null, """
            INSERT INTO analytics_cursor (id, modification_ms, event_id) VALUES (1, $mt, $id)
            ON CONFLICT (id) DO UPDATE SET modification_ms = excluded.modification_ms, event_id = excluded.event_id
            """, "$mt", "$id");
        save.Parameters[0].Value = cursor.ModificationTimeMs;
        save.Parameters[1].Value = cursor.EventId;
        save.ExecuteNonQuery();
    }

    /// <summary>The recorded history of one event, or null.</summary>
    public EventHistory? Find(long eventId)
    {
        using var connection = Open();
        using var select = Command(connection, null, """
            SELECT version, modification_ms, mrt_ms, stage, flags, review_anchor_ms, responded, review_measured, incomplete, review_anchor_inferred,
              review_anchor_recovered
            FROM analytics_events WHERE event_id = $id
            """, "$id");
        return Load(select, eventId);
    }

    /// <summary>Durations that ended in [from, to); all of them when both are null.</summary>
    public List<AnalystDuration> Durations(long fromMs = long.MinValue, long toMs = long.MaxValue, ReportProgress? progress = null) => InPeriod(
        "SELECT event_id, kind, analyst, start_ms, end_ms, source FROM analytics_durations WHERE end_ms >= $from AND end_ms < $to ORDER BY end_ms",
        fromMs, toMs, progress, r => new AnalystDuration(r.GetInt64(0), Enum.Parse<DurationKind>(r.GetString(1)), r.GetString(2), r.GetInt64(3), r.GetInt64(4),
            Enum.Parse<DurationSource>(r.GetString(5))));

    /// <summary>Stage transitions made in [from, to).</summary>
    public List<StageTransition> Transitions(long fromMs = long.MinValue, long toMs = long.MaxValue, ReportProgress? progress = null) => InPeriod(
        "SELECT event_id, version, time_ms, analyst, from_stage, to_stage, from_audit FROM analytics_transitions WHERE time_ms >= $from AND time_ms < $to ORDER BY time_ms",
        fromMs, toMs, progress, r => new StageTransition(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt64(6) != 0));

    /// <summary>Notes made in [from, to).</summary>
    public List<HistoryNoteEntry> Notes(long fromMs = long.MinValue, long toMs = long.MaxValue, ReportProgress? progress = null) => InPeriod(
        "SELECT event_id, version, time_ms, note FROM analytics_notes WHERE time_ms >= $from AND time_ms < $to ORDER BY time_ms",
        fromMs, toMs, progress, r => new HistoryNoteEntry(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), Enum.Parse<HistoryNote>(r.GetString(3))));

    /// <summary>
    /// What a report over [from, to) needs, without holding the period's rows: the lengths of the
    /// durations per measure and analyst (8 bytes each, for exact percentiles), and counts grouped
    /// in SQL for the rest. <paramref name="progress"/> is told of every row read or grouped.
    /// <paramref name="stageStays"/> adds the time in each stage (<see cref="Analytics.StageStays"/>).
    /// </summary>
    public PeriodTotals ReadPeriod(long fromMs, long toMs, ReportProgress? progress = null, bool stageStays = false)
    {
        var totals = new PeriodTotals();
        using var connection = Open();
        // Whole UTC days from the day counts, the edges of the period from the rows.
        var (firstDay, endDay) = AnalyticsDays.WholeDays(fromMs, toMs);
        DurationScan.Read(Path, fromMs, toMs, totals, progress, firstDay < endDay ? AnalyticsDays.DurationCounts(connection, firstDay, endDay) : null);
        if (firstDay < endDay)
        {
            AnalyticsDays.Read(connection, firstDay, endDay, totals, progress);
            CountRows(connection, totals, fromMs, firstDay * MsPerDay, progress);
            CountRows(connection, totals, endDay * MsPerDay, toMs, progress);
        }
        else
        {
            CountRows(connection, totals, fromMs, toMs, progress);
        }
        if (stageStays)
        {
            Analytics.StageStays.Read(connection, fromMs, toMs, totals.StageStays);
        }
        return totals;
    }

    private const long MsPerDay = AnalyticsDays.MsPerDay;

    // Transitions per analyst and stage and per UTC day, and notes, of [from, to), grouped in SQL from the rows.
    private static void CountRows(DbConnection connection, PeriodTotals totals, long fromMs, long toMs, ReportProgress? progress)
    {
        if (fromMs >= toMs)
        {
            return;
        }
        Group(connection, "SELECT analyst, to_stage, COUNT(*), MIN(time_ms) FROM analytics_transitions WHERE time_ms >= $from AND time_ms < $to GROUP BY analyst, to_stage",
            fromMs, toMs, 2, progress, r => totals.StageCounts.Add(new StageCount(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt64(3))));
        // UTC days, floored (SQLite's integer division truncates toward zero before 1970).
        Group(connection, $"SELECT (time_ms - ((time_ms % {MsPerDay}) + {MsPerDay}) % {MsPerDay}) / {MsPerDay}, COUNT(*) FROM analytics_transitions WHERE time_ms >= $from AND time_ms < $to GROUP BY 1",
            fromMs, toMs, 1, progress: null, r => totals.TransitionsPerDay[r.GetInt64(0)] = totals.TransitionsPerDay.GetValueOrDefault(r.GetInt64(0)) + r.GetInt32(1));
        Group(connection, "SELECT note, COUNT(*) FROM analytics_notes WHERE time_ms >= $from AND time_ms < $to GROUP BY note",
            fromMs, toMs, 1, progress, r => totals.Notes[r.GetString(0)] = totals.Notes.GetValueOrDefault(r.GetString(0)) + r.GetInt32(1));
    }

    /// <summary>The UTC day (days since 1970-01-01) of a time in ms, floored.</summary>
    public static long Day(long ms) => (ms - (((ms % MsPerDay) + MsPerDay) % MsPerDay)) / MsPerDay;

    // Runs a GROUP BY over the period; column countColumn of each group is how many rows it grouped.
    private static void Group(DbConnection connection, string sql, long fromMs, long toMs, int countColumn, ReportProgress? progress, Action<DbDataReader> read)
    {
        using var command = PeriodCommand(connection, sql, fromMs, toMs);
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            read(r);
            progress?.Rows(r.GetInt64(countColumn));
        }
    }

    /// <summary>How many durations, transitions and notes fall in [from, to): what a report over that period reads (indexed counts, no rows).</summary>
    public long CountInPeriod(long fromMs, long toMs) =>
        ScalarInPeriod("SELECT COUNT(*) FROM analytics_durations WHERE end_ms >= $from AND end_ms < $to", fromMs, toMs)
        + ScalarInPeriod("SELECT COUNT(*) FROM analytics_transitions WHERE time_ms >= $from AND time_ms < $to", fromMs, toMs)
        + ScalarInPeriod("SELECT COUNT(*) FROM analytics_notes WHERE time_ms >= $from AND time_ms < $to", fromMs, toMs);

    private long ScalarInPeriod(string sql, long fromMs, long toMs)
    {
        using var connection = Open();
        using var command = PeriodCommand(connection, sql, fromMs, toMs);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private List<T> InPeriod<T>(string sql, long fromMs, long toMs, ReportProgress? progress, Func<DbDataReader, T> read)
    {
        using var connection = Open();
        using var command = PeriodCommand(connection, sql, fromMs, toMs);
        using var r = command.ExecuteReader();
        var list = new List<T>();
        while (r.Read())
        {
            list.Add(read(r));
            progress?.Row();
        }
        return list;
    }

    private static DbCommand PeriodCommand(DbConnection connection, string sql, long fromMs, long toMs)
    {
        var command = Command(connection, null, sql, "$from", "$to");
        command.Parameters[0].Value = fromMs;
        command.Parameters[1].Value = toMs;
        return command;
    }

    private static EventHistory? Load(DbCommand select, long eventId)
    {
        select.Parameters[0].Value = eventId;
        using var r = select.ExecuteReader();
        return r.Read() ? Read(r, eventId, 0) : null;
    }


    private static EventHistory Read(DbDataReader r, long eventId, int o) => new(eventId, r.GetInt64(o), r.GetInt64(o + 1),
        r.IsDBNull(o + 2) ? null : r.GetInt64(o + 2), r.GetString(o + 3), r.GetInt64(o + 4), r.IsDBNull(o + 5) ? null : r.GetInt64(o + 5),
        r.GetInt64(o + 6) != 0, r.GetInt64(o + 7) != 0, r.GetInt64(o + 8) != 0, r.GetInt64(o + 9) != 0, r.GetInt64(o + 10) != 0);

    /// <summary>A connection to the history, for the retention's pruning.</summary>
    internal DbConnection OpenConnection() => Open();

    private DbConnection Open()
    {
        var connection = SqliteStateFile.Open(_connectionString);
        // With WAL, NORMAL cannot corrupt the file; a power cut may lose the last batch's metrics,
        // which costs less than an fsync per batch on the drain.
        SqliteStateFile.Execute(connection, "PRAGMA synchronous=NORMAL");
        return connection;
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
        // Compiled once per batch, not re-parsed for every row.
        command.Prepare();
        return command;
    }
}
