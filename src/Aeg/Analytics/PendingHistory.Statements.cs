using System.Text;
using Aeg.State;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Aeg.Analytics;

// The statement plumbing of a batch: multi-row INSERTs and positional binding through SQLite's own API.
public sealed partial class PendingHistory
{
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
}
