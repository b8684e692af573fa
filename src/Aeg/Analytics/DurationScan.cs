using System.Runtime.InteropServices;
using System.Text;
using SQLitePCL;

namespace Aeg.Analytics;

/// <summary>
/// The one pass a report makes over the durations of its period (exact percentiles need every
/// length): SQLite's own API on a read-only handle without the per-call mutex, names compared as
/// UTF-8 bytes, nothing allocated per row but the 8 bytes each length keeps.
/// </summary>
/// <remarks>
/// Through <c>SqliteDataReader</c> (a string and an <c>Enum.Parse</c> per column) the pass cost
/// ~1.5–2 µs per row, seconds at 10M durations.
/// </remarks>
internal static class DurationScan
{
    private const string Columns = "SELECT kind, analyst, end_ms - start_ms, end_ms, source FROM analytics_durations";

    /// <summary>Adds the lengths, the split by how they were obtained and the closes per day of the durations that ended in [from, to).</summary>
    /// <paramref name="expected"/>: how many durations per measure and analyst the period holds at least (lists are sized from it).
    public static void Read(string path, long fromMs, long toMs, PeriodTotals totals, ReportProgress? progress,
        IReadOnlyDictionary<(string Kind, string Analyst), int>? expected = null)
    {
        var opened = raw.sqlite3_open_v2(path, out var db, raw.SQLITE_OPEN_READONLY | raw.SQLITE_OPEN_NOMUTEX, null);
        using (db)
        {
            PendingHistory.Check(db, opened);
            raw.sqlite3_busy_timeout(db, 30_000);
            // A period that holds the whole table is read in table order, without a look-up per row through the end_ms index.
            var all = Covers(db, fromMs, toMs);
            PendingHistory.Check(db, raw.sqlite3_prepare_v2(db, all ? Columns : Columns + " WHERE end_ms >= ?1 AND end_ms < ?2", out var stmt));
            using (stmt)
            {
                if (!all)
                {
                    raw.sqlite3_bind_int64(stmt, 1, fromMs);
                    raw.sqlite3_bind_int64(stmt, 2, toMs);
                }
                var names = new Names(expected);
                var obtained = new long[3, 3];
                int rc;
                while ((rc = raw.sqlite3_step(stmt)) == raw.SQLITE_ROW)
                {
                    var kind = Kind(raw.sqlite3_column_blob(stmt, 0));
                    var analyst = names.Get(raw.sqlite3_column_blob(stmt, 1));
                    analyst.Lengths[(int)kind].Add(raw.sqlite3_column_int64(stmt, 2) / 1000.0);
                    obtained[(int)kind, (int)Source(raw.sqlite3_column_blob(stmt, 4))]++;
                    if (kind == DurationKind.Close)
                    {
                        var day = AnalyticsStore.Day(raw.sqlite3_column_int64(stmt, 3));
                        CollectionsMarshal.GetValueRefOrAddDefault(totals.ClosesPerDay, day, out _)++;
                    }
                    progress?.Row();
                }
                PendingHistory.Check(db, rc);
                foreach (var a in names.All)
                {
                    for (var k = 0; k < 3; k++)
                    {
                        if (a.Lengths[k].Count > 0)
                        {
                            totals.Lengths[((DurationKind)k, a.Name)] = a.Lengths[k];
                        }
                    }
                }
                for (var k = 0; k < 3; k++)
                {
                    for (var s = 0; s < 3; s++)
                    {
                        if (obtained[k, s] > 0)
                        {
                            totals.Obtained[((DurationKind)k, (DurationSource)s)] = (int)obtained[k, s];
                        }
                    }
                }
            }
        }
    }

    // True when no duration ends outside [from, to): min and max come from the index's two ends.
    private static bool Covers(sqlite3 db, long fromMs, long toMs)
    {
        PendingHistory.Check(db, raw.sqlite3_prepare_v2(db, "SELECT min(end_ms), max(end_ms) FROM analytics_durations", out var stmt));
        using (stmt)
        {
            PendingHistory.Check(db, raw.sqlite3_step(stmt));
            return raw.sqlite3_column_type(stmt, 0) == raw.SQLITE_NULL
                || (raw.sqlite3_column_int64(stmt, 0) >= fromMs && raw.sqlite3_column_int64(stmt, 1) < toMs);
        }
    }

    // The stored names (PendingHistory writes these three); anything else is parsed as an enum name.
    private static DurationKind Kind(ReadOnlySpan<byte> name) => name switch
    {
        [(byte)'R', (byte)'e', (byte)'s', ..] when name.Length == 7 => DurationKind.Respond,
        [(byte)'R', (byte)'e', (byte)'v', ..] when name.Length == 6 => DurationKind.Review,
        [(byte)'C', ..] when name.Length == 5 => DurationKind.Close,
        _ => Enum.Parse<DurationKind>(Encoding.UTF8.GetString(name)),
    };

    private static DurationSource Source(ReadOnlySpan<byte> name) => name switch
    {
        [(byte)'O', ..] when name.Length == 8 => DurationSource.Observed,
        [(byte)'R', ..] when name.Length == 9 => DurationSource.Recovered,
        [(byte)'I', ..] when name.Length == 8 => DurationSource.Inferred,
        _ => Enum.Parse<DurationSource>(Encoding.UTF8.GetString(name)),
    };

    private sealed class Analyst(byte[] utf8, string name, IReadOnlyDictionary<(string Kind, string Analyst), int>? expected)
    {
        public byte[] Utf8 { get; } = utf8;
        public string Name { get; } = name;
        public List<double>[] Lengths { get; } = [.. Enum.GetValues<DurationKind>().Select(k => new List<double>(expected?.GetValueOrDefault((k.ToString(), name)) ?? 0))];
    }

    // Analysts by the hash of their UTF-8 name: one string per analyst, not one per row.
    private sealed class Names(IReadOnlyDictionary<(string Kind, string Analyst), int>? expected)
    {
        private readonly Dictionary<int, List<Analyst>> _byHash = [];

        public List<Analyst> All { get; } = [];

        public Analyst Get(ReadOnlySpan<byte> utf8)
        {
            var hash = 17;
            foreach (var b in utf8)
            {
                hash = (hash * 31) + b;
            }
            ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(_byHash, hash, out _);
            bucket ??= [];
            foreach (var a in bucket)
            {
                if (utf8.SequenceEqual(a.Utf8))
                {
                    return a;
                }
            }
            var added = new Analyst(utf8.ToArray(), Encoding.UTF8.GetString(utf8), expected);
            bucket.Add(added);
            All.Add(added);
            return added;
        }
    }
}
