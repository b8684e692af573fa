using System.Data.Common;
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
/// Statements are prepared once per batch and bound by position through SQLite's own API
/// (<see cref="SqliteConnection.Handle"/>): binding named <c>DbParameter</c>s per row, and later
/// JSON parameters unpacked by <c>json_each</c>, cost 25–45 µs per row on a backlog drain, more
/// than the poller's whole path to the syslog socket.
/// </remarks>
public sealed class PendingHistory : IDisposable
{
    private readonly DbConnection _connection;
    private readonly List<Statement> _statements = [];
    private bool _done;

    internal PendingHistory(DbConnection connection, IReadOnlyList<AnalyticsRow> rows, TransitionDeriver deriver, AnnotationCursor? recordedUpTo)
    {
        _connection = connection;
        var db = ((SqliteConnection)connection).Handle!;
        Outcomes = new List<RowOutcome>(rows.Count);
        // Microsoft.Data.Sqlite waits out a locked database in its own command loop, which these
        // calls bypass: SQLite waits instead (as long as the connection's default timeout).
        raw.sqlite3_busy_timeout(db, 30_000);
        Execute(db, "BEGIN IMMEDIATE");
        try
        {
            var select = Prepare(db, """
                SELECT version, modification_ms, mrt_ms, stage, flags, review_anchor_ms, responded, review_measured, incomplete, review_anchor_inferred,
                  review_anchor_recovered
                FROM analytics_events WHERE event_id = ?1
                """);
            var upsert = Prepare(db, """
                INSERT INTO analytics_events (event_id, version, modification_ms, mrt_ms, stage, flags, review_anchor_ms, responded, review_measured, incomplete, review_anchor_inferred,
                  review_anchor_recovered)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                ON CONFLICT (event_id) DO UPDATE SET version = excluded.version, modification_ms = excluded.modification_ms,
                  mrt_ms = excluded.mrt_ms, stage = excluded.stage, flags = excluded.flags, review_anchor_ms = excluded.review_anchor_ms,
                  responded = excluded.responded, review_measured = excluded.review_measured, incomplete = excluded.incomplete,
                  review_anchor_inferred = excluded.review_anchor_inferred, review_anchor_recovered = excluded.review_anchor_recovered
                """);
            var transition = Prepare(db, "INSERT INTO analytics_transitions VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
            var duration = Prepare(db, "INSERT INTO analytics_durations (event_id, kind, analyst, start_ms, end_ms, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
            var note = Prepare(db, "INSERT INTO analytics_notes VALUES (?1, ?2, ?3, ?4)");

            // Histogram totals move with the durations, summed per batch: a few rows per batch.
            var buckets = new Dictionary<(DurationKind Kind, string Analyst, DurationSource Source, int Bucket), (long Count, long SumMs)>();

            // ESM numbers events as they arrive, so a backlog is mostly events newer than any the
            // history holds: those need no look-up.
            var newestStored = MaxEventId(db);
            // Rows of one event in one batch follow each other's history, not the stored one.
            var batchHistory = new Dictionary<long, EventHistory>();
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
                    upsert.Upsert(h);
                }
                foreach (var t in outcome.Transitions)
                {
                    transition.Insert(t);
                }
                foreach (var d in outcome.Durations)
                {
                    duration.Insert(d);
                    var key = (d.Kind, d.Analyst, d.Source, Metrics.Histogram.BucketOf(AnalystHistograms.BucketSeconds, d.Seconds));
                    var (count, sumMs) = buckets.GetValueOrDefault(key);
                    buckets[key] = (count + 1, sumMs + (d.EndMs - d.StartMs));
                }
                foreach (var n in outcome.Notes)
                {
                    note.Insert(n);
                }
            }
            if (buckets.Count > 0)
            {
                var total = Prepare(db, """
                    INSERT INTO analytics_buckets (kind, analyst, source, bucket, count, sum_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                    ON CONFLICT (kind, analyst, source, bucket) DO UPDATE SET count = count + excluded.count, sum_ms = sum_ms + excluded.sum_ms
                    """);
                foreach (var ((kind, analyst, source, bucket), (count, sumMs)) in buckets)
                {
                    total.AddBucket(kind, analyst, source, bucket, count, sumMs);
                }
            }
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

    /// <summary>What each row produced, in row order.</summary>
    public List<RowOutcome> Outcomes { get; }

    /// <summary>Makes the batch's history durable.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        FinalizeStatements();
        Execute(((SqliteConnection)_connection).Handle!, "COMMIT");
        _done = true;
        _connection.Dispose();
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
        try
        {
            var db = ((SqliteConnection)_connection).Handle!;
            if (raw.sqlite3_get_autocommit(db) == 0)
            {
                Execute(db, "ROLLBACK");
            }
        }
        finally
        {
            _connection.Dispose();
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

    private Statement Prepare(sqlite3 db, string sql)
    {
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var stmt));
        var s = new Statement(db, stmt);
        _statements.Add(s);
        return s;
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

    internal static void Check(sqlite3 db, int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            // SqliteException carries SQLite's message and codes, as Microsoft.Data.Sqlite would.
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    /// <summary>A prepared statement bound by position, stepped and reset per row.</summary>
    private sealed class Statement(sqlite3 db, sqlite3_stmt stmt) : IDisposable
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

        public void Upsert(EventHistory h)
        {
            Bind(1, h.EventId);
            Bind(2, h.Version);
            Bind(3, h.ModificationTimeMs);
            Bind(4, h.ManagerReceiptTimeMs);
            Bind(5, h.Stage);
            Bind(6, h.Flags);
            Bind(7, h.ReviewAnchorMs);
            Bind(8, h.Responded ? 1 : 0);
            Bind(9, h.ReviewMeasured ? 1 : 0);
            Bind(10, h.Incomplete ? 1 : 0);
            Bind(11, h.ReviewAnchorInferred ? 1 : 0);
            Bind(12, h.ReviewAnchorRecovered ? 1 : 0);
            Step();
        }

        public void Insert(StageTransition t)
        {
            Bind(1, t.EventId);
            Bind(2, t.Version);
            Bind(3, t.TimeMs);
            Bind(4, t.Analyst);
            Bind(5, t.FromStage);
            Bind(6, t.ToStage);
            Bind(7, t.FromAuditTrail ? 1 : 0);
            Step();
        }

        public void Insert(AnalystDuration d)
        {
            Bind(1, d.EventId);
            Bind(2, KindName(d.Kind));
            Bind(3, d.Analyst);
            Bind(4, d.StartMs);
            Bind(5, d.EndMs);
            Bind(6, SourceName(d.Source));
            Step();
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

        public void SaveCursor(AnnotationCursor cursor)
        {
            Bind(1, cursor.ModificationTimeMs);
            Bind(2, cursor.EventId);
            Step();
        }

        public void Insert(HistoryNoteEntry n)
        {
            Bind(1, n.EventId);
            Bind(2, n.Version);
            Bind(3, n.TimeMs);
            Bind(4, NoteName(n.Note));
            Step();
        }

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
