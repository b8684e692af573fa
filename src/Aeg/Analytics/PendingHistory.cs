using System.Text;
using Aeg.State;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Aeg.Analytics;

/// <summary>
/// One batch applied to the analyst history inside an open SQLite transaction: committed once the
/// batch's events are on the wire, rolled back (on dispose) when they were not.
/// </summary>
/// <remarks>
/// The batch is derived first and written after, table by table, many rows per statement
/// (<see cref="MultiRowInsert"/>): a statement step costs about as much as the row it inserts,
/// and one table's pages stay hot while its rows go in. Statements are bound by position through
/// SQLite's own API on a connection of its own opened without SQLite's per-call mutex
/// (<see cref="HistoryWriter"/>): named <c>DbParameter</c>s, and JSON unpacked by <c>json_each</c>,
/// cost 25–45 µs per row on a backlog drain, and the mutex ~10% of what remains.
/// </remarks>
public sealed class PendingHistory : IDisposable
{
    /// <summary>Rows per multi-row INSERT: past ~32 a larger statement saves nothing measurable.</summary>
    internal const int RowsPerStatement = 64;

    private readonly HistoryWriter _writer;
    private readonly List<Statement> _statements = [];
    private bool _done;

    internal PendingHistory(HistoryWriter writer, IReadOnlyList<AnalyticsRow> rows, TransitionDeriver deriver, AnnotationCursor? recordedUpTo,
        AnnotationCursor? expectedFrom = null)
    {
        _writer = writer;
        var db = writer.Handle;
        Outcomes = new List<RowOutcome>(rows.Count);
        Execute(db, "BEGIN IMMEDIATE");
        try
        {
            if (expectedFrom is { } from && StoredCursor(db) is { } stored && stored != from)
            {
                // A batch recorded out of order would move the position past rows it never held.
                throw new InvalidOperationException($"the history is recorded up to {stored}, not {from}: this batch is left to the catch-up");
            }
            var select = Prepare(db, """
                SELECT version, modification_ms, mrt_ms, stage, flags, review_anchor_ms, responded, review_measured, incomplete, review_anchor_inferred,
                  review_anchor_recovered
                FROM analytics_events WHERE event_id = ?1
                """);

            // ESM numbers events as they arrive, so a backlog is mostly events newer than any the
            // history holds: those need no look-up.
            var newestStored = MaxEventId(db);
            // Rows of one event in one batch follow each other's history, not the stored one;
            // only the last state of each event is written.
            var batchHistory = new Dictionary<long, EventHistory>();
            int transitions = 0, durations = 0, notes = 0;
            foreach (var row in rows)
            {
                if (!batchHistory.TryGetValue(row.EventId, out var previous))
                {
                    previous = row.EventId > newestStored ? null : select.Find(row.EventId);
                }
                var outcome = deriver.Apply(previous, row);
                Outcomes.Add(outcome);
                if (outcome.Next is { } h)
                {
                    batchHistory[h.EventId] = h;
                }
                transitions += outcome.Transitions.Count;
                durations += outcome.Durations.Count;
                notes += outcome.Notes.Count;
            }
            WriteEvents(db, batchHistory.Values);
            WriteFacts(db, transitions, durations, notes);
            WriteBuckets(db);
            WriteDays(db);
            // In the same transaction as the rows: the history and its position never disagree.
            if (recordedUpTo is { } cursor)
            {
                var save = Prepare(db, """
                    INSERT INTO analytics_cursor (id, modification_ms, event_id) VALUES (1, ?1, ?2)
                    ON CONFLICT (id) DO UPDATE SET modification_ms = excluded.modification_ms, event_id = excluded.event_id
                    """);
                save.SaveCursor(cursor);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void WriteEvents(sqlite3 db, Dictionary<long, EventHistory>.ValueCollection events)
    {
        const string columns = "event_id, version, modification_ms, mrt_ms, stage, flags, review_anchor_ms, responded, review_measured, incomplete, "
            + "review_anchor_inferred, review_anchor_recovered";
        const string upsert = """
             ON CONFLICT (event_id) DO UPDATE SET version = excluded.version, modification_ms = excluded.modification_ms,
              mrt_ms = excluded.mrt_ms, stage = excluded.stage, flags = excluded.flags, review_anchor_ms = excluded.review_anchor_ms,
              responded = excluded.responded, review_measured = excluded.review_measured, incomplete = excluded.incomplete,
              review_anchor_inferred = excluded.review_anchor_inferred, review_anchor_recovered = excluded.review_anchor_recovered
            """;
        var insert = new MultiRowInsert(this, db, $"INSERT INTO analytics_events ({columns}) VALUES ", 12, upsert, events.Count);
        foreach (var h in events)
        {
            insert.Next().Upsert(insert.Offset, h);
        }
        insert.Finish();
    }

    private void WriteFacts(sqlite3 db, int transitionCount, int durationCount, int noteCount)
    {
        var transitions = new MultiRowInsert(this, db, "INSERT INTO analytics_transitions (event_id, version, time_ms, analyst, from_stage, to_stage, from_audit) VALUES ",
            7, "", transitionCount);
        foreach (var o in Outcomes)
        {
            foreach (var t in o.Transitions)
            {
                transitions.Next().Insert(transitions.Offset, t);
            }
        }
        transitions.Finish();
        var durations = new MultiRowInsert(this, db, "INSERT INTO analytics_durations (event_id, kind, analyst, start_ms, end_ms, source) VALUES ", 6, "", durationCount);
        foreach (var o in Outcomes)
        {
            foreach (var d in o.Durations)
            {
                durations.Next().Insert(durations.Offset, d);
            }
        }
        durations.Finish();
        var notes = new MultiRowInsert(this, db, "INSERT INTO analytics_notes (event_id, version, time_ms, note) VALUES ", 4, "", noteCount);
        foreach (var o in Outcomes)
        {
            foreach (var n in o.Notes)
            {
                notes.Next().Insert(notes.Offset, n);
            }
        }
        notes.Finish();
    }

    // Histogram totals move with the durations, summed per batch: a few rows per batch.
    private void WriteBuckets(sqlite3 db)
    {
        var buckets = new Dictionary<(DurationKind Kind, string Analyst, DurationSource Source, int Bucket), (long Count, long SumMs)>();
        foreach (var o in Outcomes)
        {
            foreach (var d in o.Durations)
            {
                var key = (d.Kind, d.Analyst, d.Source, Metrics.Histogram.BucketOf(AnalystHistograms.BucketSeconds, d.Seconds));
                var (count, sumMs) = buckets.GetValueOrDefault(key);
                buckets[key] = (count + 1, sumMs + (d.EndMs - d.StartMs));
            }
        }
        if (buckets.Count == 0)
        {
            return;
        }
        var total = Prepare(db, """
            INSERT INTO analytics_buckets (kind, analyst, source, bucket, count, sum_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            ON CONFLICT (kind, analyst, source, bucket) DO UPDATE SET count = count + excluded.count, sum_ms = sum_ms + excluded.sum_ms
            """);
        foreach (var ((kind, analyst, source, bucket), (count, sumMs)) in buckets)
        {
            total.AddBucket(kind, analyst, source, bucket, count, sumMs);
        }
    }

    // The day counts (AnalyticsDays) move with the transitions and notes, summed per batch.
    private void WriteDays(sqlite3 db)
    {
        var transitions = new Dictionary<(long Day, string Analyst, string Stage), (long Count, long FirstMs)>();
        var notes = new Dictionary<(long Day, HistoryNote Note), long>();
        var durations = new Dictionary<(long Day, DurationKind Kind, string Analyst), long>();
        foreach (var o in Outcomes)
        {
            foreach (var d in o.Durations)
            {
                var key = (AnalyticsStore.Day(d.EndMs), d.Kind, d.Analyst);
                durations[key] = durations.GetValueOrDefault(key) + 1;
            }
            foreach (var t in o.Transitions)
            {
                var key = (AnalyticsStore.Day(t.TimeMs), t.Analyst, t.ToStage);
                var (count, first) = transitions.GetValueOrDefault(key, (0, long.MaxValue));
                transitions[key] = (count + 1, Math.Min(first, t.TimeMs));
            }
            foreach (var n in o.Notes)
            {
                var key = (AnalyticsStore.Day(n.TimeMs), n.Note);
                notes[key] = notes.GetValueOrDefault(key) + 1;
            }
        }
        if (transitions.Count > 0)
        {
            var add = Prepare(db, """
                INSERT INTO analytics_transition_days (day, analyst, to_stage, count, first_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (day, analyst, to_stage) DO UPDATE SET count = count + excluded.count, first_ms = min(first_ms, excluded.first_ms)
                """);
            foreach (var ((day, analyst, stage), (count, first)) in transitions)
            {
                add.AddTransitionDay(day, analyst, stage, count, first);
            }
        }
        if (durations.Count > 0)
        {
            var add = Prepare(db, """
                INSERT INTO analytics_duration_days (day, kind, analyst, count) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (day, kind, analyst) DO UPDATE SET count = count + excluded.count
                """);
            foreach (var ((day, kind, analyst), count) in durations)
            {
                add.AddDurationDay(day, KindName(kind), analyst, count);
            }
        }
        if (notes.Count > 0)
        {
            var add = Prepare(db, """
                INSERT INTO analytics_note_days (day, note, count) VALUES (?1, ?2, ?3)
                ON CONFLICT (day, note) DO UPDATE SET count = count + excluded.count
                """);
            foreach (var ((day, note), count) in notes)
            {
                add.AddNoteDay(day, NoteName(note), count);
            }
        }
    }

    /// <summary>
    /// An INSERT of <see cref="RowsPerStatement"/> rows per step, and one statement sized to the
    /// remainder: the caller binds each row at <see cref="Offset"/> of the statement <see cref="Next"/> returns.
    /// </summary>
    private sealed class MultiRowInsert
    {
        private readonly PendingHistory _owner;
        private readonly sqlite3 _db;
        private readonly string _prefix;
        private readonly int _columns;
        private readonly string _suffix;
        private int _left;
        private Statement? _statement;
        private int _rowsInStatement;
        private int _bound;

        public MultiRowInsert(PendingHistory owner, sqlite3 db, string prefix, int columns, string suffix, int rows)
        {
            _owner = owner;
            _db = db;
            _prefix = prefix;
            _columns = columns;
            _suffix = suffix;
            _left = rows;
        }

        /// <summary>Where the current row's parameters start (0-based; the statement adds 1).</summary>
        public int Offset { get; private set; }

        /// <summary>The statement to bind the next row into (the previous full one is stepped first).</summary>
        public Statement Next()
        {
            if (_statement is null || _bound == _rowsInStatement)
            {
                Step();
                var rows = Math.Min(_left, RowsPerStatement);
                if (_statement is null || rows != _rowsInStatement)
                {
                    _statement = _owner.Prepare(_db, Sql(rows));
                    _rowsInStatement = rows;
                }
                _left -= rows;
                _bound = 0;
            }
            Offset = _bound * _columns;
            _bound++;
            return _statement;
        }

        /// <summary>Steps the last statement.</summary>
        public void Finish() => Step();

        private void Step()
        {
            if (_statement is not null && _bound > 0)
            {
                _statement.StepAndReset();
                _bound = 0;
            }
        }

        private string Sql(int rows)
        {
            var sql = new StringBuilder(_prefix, _prefix.Length + (rows * ((_columns * 6) + 3)) + _suffix.Length);
            for (var r = 0; r < rows; r++)
            {
                sql.Append(r == 0 ? "(" : ",(");
                for (var c = 1; c <= _columns; c++)
                {
                    sql.Append(c == 1 ? "?" : ",?");
                }
                sql.Append(')');
            }
            return sql.Append(_suffix).ToString();
        }
    }

    /// <summary>What each row produced, in row order.</summary>
    public List<RowOutcome> Outcomes { get; }

    /// <summary>Makes the batch's history durable.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        FinalizeStatements();
        try
        {
            Execute(_writer.Handle, "COMMIT");
        }
        catch
        {
            Dispose();
            throw;
        }
        _done = true;
        _writer.Release(healthy: true);
    }

    /// <summary>Rolls back whatever was not committed.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }
        _done = true;
        FinalizeStatements();
        var healthy = false;
        try
        {
            var db = _writer.Handle;
            if (raw.sqlite3_get_autocommit(db) == 0)
            {
                Execute(db, "ROLLBACK");
            }
            healthy = true;
        }
        finally
        {
            // A connection whose rollback failed is closed, not reused.
            _writer.Release(healthy);
        }
    }

    private void FinalizeStatements()
    {
        foreach (var s in _statements)
        {
            s.Dispose();
        }
        _statements.Clear();
    }

    internal Statement Prepare(sqlite3 db, string sql)
    {
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var stmt));
        var s = new Statement(db, stmt);
        _statements.Add(s);
        return s;
    }

    private static AnnotationCursor? StoredCursor(sqlite3 db)
    {
        Check(db, raw.sqlite3_prepare_v2(db, "SELECT modification_ms, event_id FROM analytics_cursor WHERE id = 1", out var stmt));
        using (stmt)
        {
            return Check(db, raw.sqlite3_step(stmt)) == raw.SQLITE_ROW
                ? new AnnotationCursor(raw.sqlite3_column_int64(stmt, 0), raw.sqlite3_column_int64(stmt, 1))
                : null;
        }
    }

    private static long MaxEventId(sqlite3 db)
    {
        // The table's rowid is event_id: SQLite answers max() from the last page.
        Check(db, raw.sqlite3_prepare_v2(db, "SELECT coalesce(max(event_id), -9223372036854775808) FROM analytics_events", out var stmt));
        using (stmt)
        {
            Check(db, raw.sqlite3_step(stmt));
            return raw.sqlite3_column_int64(stmt, 0);
        }
    }

    private static void Execute(sqlite3 db, string sql) => Check(db, raw.sqlite3_exec(db, sql));

    internal static int Check(sqlite3 db, int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            // SqliteException carries SQLite's message and codes, as Microsoft.Data.Sqlite would.
            SqliteException.ThrowExceptionForRC(rc, db);
        }
        return rc;
    }

    /// <summary>A prepared statement bound by position, stepped and reset per row.</summary>
    internal sealed class Statement(sqlite3 db, sqlite3_stmt stmt) : IDisposable
    {
        // Analyst and stage names are short; longer text (none today) takes the slow path.
        private readonly byte[] _utf8 = new byte[1024];

        public EventHistory? Find(long eventId)
        {
            raw.sqlite3_bind_int64(stmt, 1, eventId);
            try
            {
                var rc = raw.sqlite3_step(stmt);
                if (rc == raw.SQLITE_DONE)
                {
                    return null;
                }
                Check(db, rc);
                return new EventHistory(eventId, raw.sqlite3_column_int64(stmt, 0), raw.sqlite3_column_int64(stmt, 1), NullableInt64(2),
                    raw.sqlite3_column_text(stmt, 3).utf8_to_string(), raw.sqlite3_column_int64(stmt, 4), NullableInt64(5),
                    raw.sqlite3_column_int64(stmt, 6) != 0, raw.sqlite3_column_int64(stmt, 7) != 0, raw.sqlite3_column_int64(stmt, 8) != 0,
                    raw.sqlite3_column_int64(stmt, 9) != 0, raw.sqlite3_column_int64(stmt, 10) != 0);
            }
            finally
            {
                raw.sqlite3_reset(stmt);
            }
        }

        public void Upsert(int o, EventHistory h)
        {
            Bind(o + 1, h.EventId);
            Bind(o + 2, h.Version);
            Bind(o + 3, h.ModificationTimeMs);
            Bind(o + 4, h.ManagerReceiptTimeMs);
            Bind(o + 5, h.Stage);
            Bind(o + 6, h.Flags);
            Bind(o + 7, h.ReviewAnchorMs);
            Bind(o + 8, h.Responded ? 1 : 0);
            Bind(o + 9, h.ReviewMeasured ? 1 : 0);
            Bind(o + 10, h.Incomplete ? 1 : 0);
            Bind(o + 11, h.ReviewAnchorInferred ? 1 : 0);
            Bind(o + 12, h.ReviewAnchorRecovered ? 1 : 0);
        }

        public void Insert(int o, StageTransition t)
        {
            Bind(o + 1, t.EventId);
            Bind(o + 2, t.Version);
            Bind(o + 3, t.TimeMs);
            Bind(o + 4, t.Analyst);
            Bind(o + 5, t.FromStage);
            Bind(o + 6, t.ToStage);
            Bind(o + 7, t.FromAuditTrail ? 1 : 0);
        }

        public void Insert(int o, AnalystDuration d)
        {
            Bind(o + 1, d.EventId);
            Bind(o + 2, KindName(d.Kind));
            Bind(o + 3, d.Analyst);
            Bind(o + 4, d.StartMs);
            Bind(o + 5, d.EndMs);
            Bind(o + 6, SourceName(d.Source));
        }

        public void AddBucket(DurationKind kind, string analyst, DurationSource source, int bucket, long count, long sumMs)
        {
            Bind(1, KindName(kind));
            Bind(2, analyst);
            Bind(3, SourceName(source));
            Bind(4, bucket);
            Bind(5, count);
            Bind(6, sumMs);
            Step();
        }

        public void AddTransitionDay(long day, string analyst, string stage, long count, long firstMs)
        {
            Bind(1, day);
            Bind(2, analyst);
            Bind(3, stage);
            Bind(4, count);
            Bind(5, firstMs);
            Step();
        }

        public void AddDurationDay(long day, string kind, string analyst, long count)
        {
            Bind(1, day);
            Bind(2, kind);
            Bind(3, analyst);
            Bind(4, count);
            Step();
        }

        public void AddNoteDay(long day, string note, long count)
        {
            Bind(1, day);
            Bind(2, note);
            Bind(3, count);
            Step();
        }

        public void SaveCursor(AnnotationCursor cursor)
        {
            Bind(1, cursor.ModificationTimeMs);
            Bind(2, cursor.EventId);
            Step();
        }

        public void Insert(int o, HistoryNoteEntry n)
        {
            Bind(o + 1, n.EventId);
            Bind(o + 2, n.Version);
            Bind(o + 3, n.TimeMs);
            Bind(o + 4, NoteName(n.Note));
        }

        public void StepAndReset() => Step();

        public void Dispose() => stmt.Dispose();

        private void Step()
        {
            var rc = raw.sqlite3_step(stmt);
            raw.sqlite3_reset(stmt);
            Check(db, rc);
        }

        private void Bind(int index, long value) => raw.sqlite3_bind_int64(stmt, index, value);

        private void Bind(int index, long? value)
        {
            if (value is { } v)
            {
                raw.sqlite3_bind_int64(stmt, index, v);
            }
            else
            {
                raw.sqlite3_bind_null(stmt, index);
            }
        }

        private void Bind(int index, string value)
        {
            if (Encoding.UTF8.GetMaxByteCount(value.Length) <= _utf8.Length)
            {
                var n = Encoding.UTF8.GetBytes(value, _utf8);
                raw.sqlite3_bind_text(stmt, index, _utf8.AsSpan(0, n));
            }
            else
            {
                raw.sqlite3_bind_text(stmt, index, value);
            }
        }

        private long? NullableInt64(int column) =>
            raw.sqlite3_column_type(stmt, column) == raw.SQLITE_NULL ? null : raw.sqlite3_column_int64(stmt, column);
    }

    // Enum.ToString() allocates a string per call; the stored names are these.
    private static string KindName(DurationKind kind) => kind switch
    {
        DurationKind.Respond => nameof(DurationKind.Respond),
        DurationKind.Review => nameof(DurationKind.Review),
        DurationKind.Close => nameof(DurationKind.Close),
        _ => kind.ToString(),
    };

    private static readonly string[] NoteNames = Enum.GetNames<HistoryNote>();

    private static readonly string[] SourceNames = Enum.GetNames<DurationSource>();

    private static string SourceName(DurationSource source) => (uint)source < (uint)SourceNames.Length ? SourceNames[(int)source] : source.ToString();

    private static string NoteName(HistoryNote note) => (uint)note < (uint)NoteNames.Length ? NoteNames[(int)note] : note.ToString();
}
