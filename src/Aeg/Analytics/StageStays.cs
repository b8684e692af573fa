using System.Data.Common;

namespace Aeg.Analytics;

/// <summary>
/// Time in each stage: how long events stayed in a stage, from the transition into it to the next
/// transition out of it, read from the stored transitions of a period's events.
/// </summary>
/// <remarks>
/// Only stays whose both ends are certain count: the next transition must leave the stage the
/// previous one entered, and no gap that could hide a stage change (<c>IncompleteHistory</c>,
/// <c>TruncatedAuditTrail</c>) may lie between them. The first wait in the initial stage is the
/// time to respond and is not repeated here; a stay belongs to the period in which it ended and
/// is credited to the analyst who ended it.
/// </remarks>
internal static class StageStays
{
    // Transitions and breaks (notes of gaps that may hide stage changes) of the events with a
    // transition in the period, in the order they happened: by the row's version, a row's break
    // before its transitions (the cut comes before the kept lines), then by time and insertion.
    private const string Sql = """
        WITH ev AS (SELECT DISTINCT event_id FROM analytics_transitions WHERE time_ms >= $from AND time_ms < $to),
        s AS (
            SELECT event_id, version, time_ms, analyst, from_stage, to_stage, 0 AS brk, rowid AS seq
            FROM analytics_transitions WHERE event_id IN ev
            UNION ALL
            SELECT event_id, version, time_ms, NULL, NULL, NULL, 1, 0
            FROM analytics_notes WHERE note IN ('IncompleteHistory', 'TruncatedAuditTrail') AND event_id IN ev),
        o AS (
            SELECT to_stage, time_ms, brk,
                LEAD(time_ms) OVER w AS next_ms, LEAD(from_stage) OVER w AS next_from,
                LEAD(analyst) OVER w AS next_analyst, LEAD(brk) OVER w AS next_brk
            FROM s WINDOW w AS (PARTITION BY event_id ORDER BY version, brk DESC, time_ms, seq))
        SELECT to_stage, next_analyst, next_ms - time_ms FROM o
        WHERE brk = 0 AND next_brk = 0 AND next_from = to_stage AND next_ms >= $from AND next_ms < $to
        """;

    /// <summary>Adds the lengths (seconds) of the stays that ended in [from, to) per stage and analyst.</summary>
    public static void Read(DbConnection connection, long fromMs, long toMs, Dictionary<(string Stage, string Analyst), List<double>> stays)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        foreach (var (name, value) in new[] { ("$from", fromMs), ("$to", toMs) })
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            var key = (r.GetString(0), r.GetString(1));
            if (!stays.TryGetValue(key, out var list))
            {
                stays[key] = list = [];
            }
            list.Add(r.GetInt64(2) / 1000.0);
        }
    }
}
