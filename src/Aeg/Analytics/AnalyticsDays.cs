using System.Data.Common;
using System.Globalization;
using Aeg.State;

namespace Aeg.Analytics;

/// <summary>
/// Per-UTC-day counts of transitions (per analyst and stage), notes and durations (per measure and
/// analyst: how big a report's lists of lengths will be), kept beside the rows in
/// the same transaction, so a report over whole days reads a few rows per day instead of every
/// transition and note (the pass over them cost seconds at 10M rows). The edges of a period that
/// does not start or end at midnight UTC are still counted from the rows.
/// </summary>
/// <remarks>
/// A history written before these tables existed gets them once, in SQL, when it is opened.
/// Retention deletes the days before its cutoff and counts the cutoff's own day again from the
/// rows it kept, so the counts and the rows never disagree.
/// </remarks>
internal static class AnalyticsDays
{
    public const long MsPerDay = 86_400_000;

    public const string Schema = """
        CREATE TABLE IF NOT EXISTS analytics_transition_days (
            day       INTEGER NOT NULL,
            analyst   TEXT    NOT NULL,
            to_stage  TEXT    NOT NULL,
            count     INTEGER NOT NULL,
            first_ms  INTEGER NOT NULL,
            PRIMARY KEY (day, analyst, to_stage)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS analytics_duration_days (
            day       INTEGER NOT NULL,
            kind      TEXT    NOT NULL,
            analyst   TEXT    NOT NULL,
            count     INTEGER NOT NULL,
            PRIMARY KEY (day, kind, analyst)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS analytics_note_days (
            day       INTEGER NOT NULL,
            note      TEXT    NOT NULL,
            count     INTEGER NOT NULL,
            PRIMARY KEY (day, note)) WITHOUT ROWID;
        """;

    /// <summary>The UTC day (days since 1970-01-01, floored) of a time column, in SQL.</summary>
    private static string DayOf(string column) =>
        string.Create(CultureInfo.InvariantCulture, $"(({column} - ((({column} % {MsPerDay}) + {MsPerDay}) % {MsPerDay})) / {MsPerDay})");

    private static string TransitionDaysFrom(string where) => $"""
        INSERT INTO analytics_transition_days (day, analyst, to_stage, count, first_ms)
        SELECT {DayOf("time_ms")}, analyst, to_stage, COUNT(*), MIN(time_ms) FROM analytics_transitions WHERE {where} GROUP BY 1, 2, 3
        """;

    private static string DurationDaysFrom(string where) => $"""
        INSERT INTO analytics_duration_days (day, kind, analyst, count)
        SELECT {DayOf("end_ms")}, kind, analyst, COUNT(*) FROM analytics_durations WHERE {where} GROUP BY 1, 2, 3
        """;

    private static string NoteDaysFrom(string where) => $"""
        INSERT INTO analytics_note_days (day, note, count)
        SELECT {DayOf("time_ms")}, note, COUNT(*) FROM analytics_notes WHERE {where} GROUP BY 1, 2
        """;

    /// <summary>Counts the days of a history that has rows but no day counts yet (written before they existed).</summary>
    public static void Backfill(DbConnection connection)
    {
        SqliteStateFile.Execute(connection, TransitionDaysFrom("NOT EXISTS (SELECT 1 FROM analytics_transition_days)"));
        SqliteStateFile.Execute(connection, NoteDaysFrom("NOT EXISTS (SELECT 1 FROM analytics_note_days)"));
        SqliteStateFile.Execute(connection, DurationDaysFrom("NOT EXISTS (SELECT 1 FROM analytics_duration_days)"));
    }

    /// <summary>After retention pruned the rows before <paramref name="cutoffMs"/>: the same for the day counts, in one transaction.</summary>
    public static void Prune(DbConnection connection, long cutoffMs)
    {
        var day = AnalyticsStore.Day(cutoffMs);
        using var transaction = connection.BeginTransaction();
        foreach (var sql in new[]
        {
            "DELETE FROM analytics_transition_days WHERE day <= $day",
            "DELETE FROM analytics_note_days WHERE day <= $day",
            "DELETE FROM analytics_duration_days WHERE day <= $day",
            TransitionDaysFrom("time_ms >= $start AND time_ms < $end"),
            DurationDaysFrom("end_ms >= $start AND end_ms < $end"),
            NoteDaysFrom("time_ms >= $start AND time_ms < $end"),
        })
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            Add(command, "$day", day);
            Add(command, "$start", day * MsPerDay);
            Add(command, "$end", (day + 1) * MsPerDay);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>The whole UTC days inside [from, to) as [first, end) day numbers; empty (first ≥ end) when there is none.</summary>
    public static (long First, long End) WholeDays(long fromMs, long toMs)
    {
        // Open-ended periods (all of the history) are read from the rows: day numbers of the extremes overflow.
        const long Limit = 1L << 60;
        if (fromMs < -Limit || toMs > Limit)
        {
            return (0, 0);
        }
        var first = AnalyticsStore.Day(fromMs);
        if (first * MsPerDay < fromMs)
        {
            first++;
        }
        return (first, AnalyticsStore.Day(toMs));
    }

    /// <summary>Adds the counts of days [first, end) to <paramref name="totals"/>.</summary>
    public static void Read(DbConnection connection, long first, long end, PeriodTotals totals, ReportProgress? progress)
    {
        using (var transitions = Command(connection, "SELECT day, analyst, to_stage, count, first_ms FROM analytics_transition_days WHERE day >= $first AND day < $end", first, end))
        using (var r = transitions.ExecuteReader())
        {
            while (r.Read())
            {
                var count = r.GetInt32(3);
                totals.StageCounts.Add(new StageCount(r.GetString(1), r.GetString(2), count, r.GetInt64(4)));
                var day = r.GetInt64(0);
                totals.TransitionsPerDay[day] = totals.TransitionsPerDay.GetValueOrDefault(day) + count;
                progress?.Rows(count);
            }
        }
        using var notes = Command(connection, "SELECT note, count FROM analytics_note_days WHERE day >= $first AND day < $end", first, end);
        using var n = notes.ExecuteReader();
        while (n.Read())
        {
            var count = n.GetInt32(1);
            totals.Notes[n.GetString(0)] = totals.Notes.GetValueOrDefault(n.GetString(0)) + count;
            progress?.Rows(count);
        }
    }

    /// <summary>
    /// How many durations of each measure and analyst ended in days [first, end): the lists of a
    /// report's lengths are sized from these, so 10M lengths take 80 MB, not up to twice that while they grow.
    /// </summary>
    public static Dictionary<(string Kind, string Analyst), int> DurationCounts(DbConnection connection, long first, long end)
    {
        var counts = new Dictionary<(string, string), int>();
        using var command = Command(connection, "SELECT kind, analyst, SUM(count) FROM analytics_duration_days WHERE day >= $first AND day < $end GROUP BY 1, 2", first, end);
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            counts[(r.GetString(0), r.GetString(1))] = (int)Math.Min(r.GetInt64(2), Array.MaxLength);
        }
        return counts;
    }

    private static DbCommand Command(DbConnection connection, string sql, long first, long end)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Add(command, "$first", first);
        Add(command, "$end", end);
        return command;
    }

    private static void Add(DbCommand command, string name, long value)
    {
        if (!command.CommandText.Contains(name, StringComparison.Ordinal))
        {
            return;
        }
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
