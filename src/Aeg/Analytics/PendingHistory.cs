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
public sealed partial class PendingHistory : IDisposable
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
        try
        {
            // Inside the try: a BEGIN refused (a state directory gone read-only) must still give the connection back.
            Execute(db, "BEGIN IMMEDIATE");
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
