using System.Data.Common;
using System.Globalization;

namespace Aeg.Analytics;

/// <summary>The read queries behind the manager's sections of <c>aeg report</c> (<see cref="ManagementReport"/>); they only read.</summary>
public sealed partial class AnalyticsStore
{
    /// <summary>The upper bounds (seconds) of the backlog's age bands: 1 h, 4 h, 24 h, 3 d, 7 d, then older.</summary>
    public static readonly double[] BacklogBandSeconds = [3_600, 14_400, 86_400, 259_200, 604_800];

    // The stage of each event at $at: the stage it left at its first transition at or after $at
    // (a later transition starts from the stage it was in then), or its current stage when it did
    // not change stage since. It was untouched then when it was never moved out of the initial
    // stage, or its first move (its response) came at or after $at.
    private const string OpenAtSql = """
        WITH after AS (
            SELECT event_id, from_stage FROM (
                SELECT event_id, from_stage, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY version, time_ms, rowid) AS n
                FROM analytics_transitions WHERE time_ms >= $at)
            WHERE n = 1),
        late_response AS (SELECT event_id FROM analytics_durations WHERE kind = 'Respond' AND end_ms >= $at),
        state AS (
            SELECT e.event_id, e.mrt_ms, e.modification_ms, a.event_id IS NOT NULL AS moved_after, COALESCE(a.from_stage, e.stage) AS stage,
                e.responded = 0 OR e.event_id IN late_response AS not_responded
            FROM analytics_events e LEFT JOIN after a ON a.event_id = e.event_id)
        SELECT event_id, mrt_ms, stage, not_responded AND (stage COLLATE NOCASE) = $initial
        FROM state
        WHERE (stage COLLATE NOCASE) NOT IN ({0})
          AND (mrt_ms < $at OR (mrt_ms IS NULL AND modification_ms < $at AND NOT moved_after))
        """;

    /// <summary>
    /// The open backlog at <paramref name="atMs"/>, streamed (one row per open event, nothing kept
    /// but the counts and the <paramref name="listSize"/> oldest of each list).
    /// </summary>
    public OpenBacklog ReadBacklog(long atMs, string initialStage, IReadOnlyCollection<string> finalStages, int listSize)
    {
        using var connection = Open();
        var bands = new (int Open, int Untouched)[BacklogBandSeconds.Length + 1];
        int open = 0, untouched = 0, withoutMrt = 0;
        // Max-heaps on the MRT (ties: the larger event id goes first), so the youngest of the kept ones is dropped.
        var oldestOpen = new PriorityQueue<(long Id, string Stage, long Mrt), (long, long)>(Comparer<(long, long)>.Create((a, b) => b.CompareTo(a)));
        var oldestUntouched = new PriorityQueue<(long Id, string Stage, long Mrt), (long, long)>(Comparer<(long, long)>.Create((a, b) => b.CompareTo(a)));
        using (var command = FinalStagesCommand(connection, OpenAtSql, finalStages))
        {
            Add(command, "$at", atMs);
            Add(command, "$initial", initialStage);
            using var r = command.ExecuteReader();
            while (r.Read())
            {
                if (r.IsDBNull(1))
                {
                    withoutMrt++;
                    continue;
                }
                var (id, mrt, stage, isUntouched) = (r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3) != 0);
                // The bands are [from, to): an age equal to a bound belongs to the band above it.
                var band = BandOf(atMs - mrt);
                open++;
                bands[band].Open++;
                Keep(oldestOpen, (id, stage, mrt), listSize);
                if (isUntouched)
                {
                    untouched++;
                    bands[band].Untouched++;
                    Keep(oldestUntouched, (id, stage, mrt), listSize);
                }
            }
        }
        var last = LastAnalysts(connection, [.. oldestOpen.UnorderedItems.Select(i => i.Element.Id)], atMs);
        List<BacklogEvent> Listed(PriorityQueue<(long Id, string Stage, long Mrt), (long, long)> heap) => [.. heap.UnorderedItems
            .Select(i => i.Element).OrderBy(e => e.Mrt).ThenBy(e => e.Id)
            .Select(e => new BacklogEvent(e.Id, e.Stage, (atMs - e.Mrt) / 1000.0, last.GetValueOrDefault(e.Id)))];
        return new OpenBacklog(DateTimeOffset.FromUnixTimeMilliseconds(atMs), open, untouched, withoutMrt, BandList(bands), Listed(oldestUntouched), Listed(oldestOpen));
    }

    /// <summary>The age band (index into <see cref="BacklogBandSeconds"/>, or its length for the oldest) of an age in ms.</summary>
    public static int BandOf(long ageMs)
    {
        var band = 0;
        while (band < BacklogBandSeconds.Length && ageMs >= (long)(BacklogBandSeconds[band] * 1000))
        {
            band++;
        }
        return band;
    }

    private static readonly string[] BandLabels = ["< 1h", "1h–4h", "4h–24h", "1d–3d", "3d–7d", "≥ 7d"];

    /// <summary>The age bands with their counts (all zero when <paramref name="counts"/> is empty).</summary>
    internal static List<BacklogBand> BandList((int Open, int Untouched)[] counts) => [.. BandLabels.Select((label, i) => new BacklogBand(label,
        i == 0 ? 0 : BacklogBandSeconds[i - 1], i < BacklogBandSeconds.Length ? BacklogBandSeconds[i] : null,
        i < counts.Length ? counts[i].Open : 0, i < counts.Length ? counts[i].Untouched : 0))];

    private static void Keep(PriorityQueue<(long Id, string Stage, long Mrt), (long, long)> heap, (long Id, string Stage, long Mrt) e, int size)
    {
        if (size <= 0)
        {
            return;
        }
        if (heap.Count < size)
        {
            heap.Enqueue(e, (e.Mrt, e.Id));
        }
        else if (heap.TryPeek(out _, out var youngest) && (e.Mrt, e.Id).CompareTo(youngest) < 0)
        {
            heap.DequeueEnqueue(e, (e.Mrt, e.Id));
        }
    }

    // Who last moved each listed event before $at: the analyst of its last transition then.
    private static Dictionary<long, string> LastAnalysts(DbConnection connection, List<long> eventIds, long atMs)
    {
        var last = new Dictionary<long, string>();
        if (eventIds.Count == 0)
        {
            return last;
        }
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT event_id, analyst FROM (
                SELECT event_id, analyst, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY version DESC, time_ms DESC, rowid DESC) AS n
                FROM analytics_transitions WHERE time_ms < $at AND event_id IN ({string.Join(",", eventIds.Select(id => id.ToString(CultureInfo.InvariantCulture)))}))
            WHERE n = 1
            """;
        Add(command, "$at", atMs);
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            last[r.GetInt64(0)] = r.GetString(1);
        }
        return last;
    }

    // The stage tests of a transition, with {0} the final stages.
    private const string IsClose = "NOT ((from_stage COLLATE NOCASE) IN ({0})) AND (to_stage COLLATE NOCASE) IN ({0})";
    private const string IsReopen = "(from_stage COLLATE NOCASE) IN ({0}) AND NOT ((to_stage COLLATE NOCASE) IN ({0}))";

    /// <summary>The closes (non-final stage into a final one, names case-insensitive) each analyst made in [from, to).</summary>
    public Dictionary<string, int> ClosesPerAnalyst(long fromMs, long toMs, IReadOnlyCollection<string> finalStages)
    {
        var finals = new HashSet<string>(finalStages, StringComparer.OrdinalIgnoreCase);
        var closes = new Dictionary<string, int>(StringComparer.Ordinal);
        ReadActivity(fromMs, toMs, (analyst, _, fromStage, toStage, count) =>
        {
            if (!finals.Contains(fromStage) && finals.Contains(toStage))
            {
                closes[analyst] = closes.GetValueOrDefault(analyst) + count;
            }
        });
        return closes;
    }

    /// <summary>
    /// The stage changes made in [from, to) grouped in SQL by analyst, UTC hour (hours since 1970,
    /// floored) and the stages left and entered: one pass gives the closes, the weekly actions and
    /// the load by hour (a few rows per analyst and hour instead of one per change).
    /// </summary>
    public void ReadActivity(long fromMs, long toMs, Action<string, long, string, string, int> add)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT analyst, time_ms / 3600000 - (time_ms % 3600000 < 0), from_stage, to_stage, COUNT(*)
            FROM analytics_transitions WHERE time_ms >= $from AND time_ms < $to GROUP BY 1, 2, 3, 4
            """;
        Add(command, "$from", fromMs);
        Add(command, "$to", toMs);
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            add(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt32(4));
        }
    }

    /// <summary>Margin before an event's MRT in which its close is still looked for (clocks disagree).</summary>
    private const long CloseSearchMarginMs = 86_400_000;

    /// <summary>
    /// The re-opens (a final stage back to a non-final one) made in [from, to), each with the
    /// analyst of the event's last close before it (null when none is recorded). Only the
    /// re-opened events' transitions since their MRT (less a day) are read, not the whole history.
    /// </summary>
    public List<(long EventId, string? ChargedTo)> Reopens(long fromMs, long toMs, IReadOnlyCollection<string> finalStages)
    {
        using var connection = Open();
        var reopens = new List<(long EventId, long Version, long TimeMs, long Seq)>();
        using (var command = FinalStagesCommand(connection,
            "SELECT event_id, version, time_ms, rowid FROM analytics_transitions WHERE time_ms >= $from AND time_ms < $to AND " + IsReopen, finalStages))
        {
            Add(command, "$from", fromMs);
            Add(command, "$to", toMs);
            using var r = command.ExecuteReader();
            while (r.Read())
            {
                reopens.Add((r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)));
            }
        }
        if (reopens.Count == 0)
        {
            return [];
        }
        var ids = string.Join(",", reopens.Select(x => x.EventId).Distinct().Select(id => id.ToString(CultureInfo.InvariantCulture)));
        long from;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT MIN(mrt_ms), COUNT(mrt_ms) = COUNT(*) FROM analytics_events WHERE event_id IN ({ids})";
            using var r = command.ExecuteReader();
            r.Read();
            from = !r.IsDBNull(0) && r.GetInt64(1) != 0 ? r.GetInt64(0) - CloseSearchMarginMs : long.MinValue;
        }
        var closes = new Dictionary<long, List<(long Version, long TimeMs, long Seq, string Analyst)>>();
        using (var command = FinalStagesCommand(connection,
            $"SELECT event_id, version, time_ms, rowid, analyst FROM analytics_transitions WHERE time_ms >= $lo AND time_ms < $to AND event_id IN ({ids}) AND " + IsClose,
            finalStages))
        {
            Add(command, "$lo", from);
            Add(command, "$to", toMs);
            using var r = command.ExecuteReader();
            while (r.Read())
            {
                if (!closes.TryGetValue(r.GetInt64(0), out var list))
                {
                    closes[r.GetInt64(0)] = list = [];
                }
                list.Add((r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4)));
            }
        }
        // The close a re-open undid: the event's last close before it, in the order the history applied them.
        return [.. reopens.Select(x => (x.EventId, closes.GetValueOrDefault(x.EventId)?
            .Where(c => (c.Version, c.TimeMs, c.Seq).CompareTo((x.Version, x.TimeMs, x.Seq)) < 0)
            .MaxBy(c => (c.Version, c.TimeMs, c.Seq)).Analyst))];
    }

    /// <summary>
    /// Detection to close: for each event whose last close or re-open in [from, to) is a close (it
    /// was closed at the period's end), that close's analyst and its time since the event's MRT in
    /// ms; events without an MRT, or closed before it, are left out. Only the period's transitions are read.
    /// </summary>
    public void ReadDetectionToClose(long fromMs, long toMs, IReadOnlyCollection<string> finalStages, Action<string, long> add)
    {
        using var connection = Open();
        using var command = FinalStagesCommand(connection, $"""
            WITH k AS (
                SELECT event_id, analyst, time_ms, {IsClose} AS is_close,
                    ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY version DESC, time_ms DESC, rowid DESC) AS back
                FROM analytics_transitions
                WHERE time_ms >= $from AND time_ms < $to AND (({IsClose}) OR ({IsReopen})))
            SELECT k.analyst, k.time_ms - e.mrt_ms FROM k JOIN analytics_events e ON e.event_id = k.event_id
            WHERE k.back = 1 AND k.is_close AND e.mrt_ms IS NOT NULL AND k.time_ms >= e.mrt_ms
            """, finalStages);
        Add(command, "$from", fromMs);
        Add(command, "$to", toMs);
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            add(r.GetString(0), r.GetInt64(1));
        }
    }

    /// <summary>
    /// Per UTC day (days since 1970, floored), analyst and measure: the durations that ended
    /// in [from, to), their total length in ms and how many were longer than the measure's target
    /// in ms (-1: none), grouped in SQL.
    /// </summary>
    public void ReadWeeklyDurations(long fromMs, long toMs, long respondTargetMs, long reviewTargetMs, long closeTargetMs,
        Action<long, string, DurationKind, int, long, int> add)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT end_ms / 86400000 - (end_ms % 86400000 < 0), analyst, kind, COUNT(*), SUM(end_ms - start_ms),
                SUM(end_ms - start_ms > CASE kind WHEN 'Respond' THEN $respond WHEN 'Review' THEN $review ELSE $close END)
            FROM analytics_durations WHERE end_ms >= $from AND end_ms < $to GROUP BY 1, 2, 3
            """;
        Add(command, "$from", fromMs);
        Add(command, "$to", toMs);
        // No target: a bound no duration passes.
        Add(command, "$respond", respondTargetMs < 0 ? long.MaxValue : respondTargetMs);
        Add(command, "$review", reviewTargetMs < 0 ? long.MaxValue : reviewTargetMs);
        Add(command, "$close", closeTargetMs < 0 ? long.MaxValue : closeTargetMs);
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            add(r.GetInt64(0), r.GetString(1), Enum.Parse<DurationKind>(r.GetString(2)), r.GetInt32(3), r.GetInt64(4), r.GetInt32(5));
        }
    }

    // A command whose SQL has {0} where the final stages go, as parameters $f0, $f1, ….
    private static DbCommand FinalStagesCommand(DbConnection connection, string sql, IReadOnlyCollection<string> finalStages)
    {
        var command = connection.CreateCommand();
        var names = finalStages.Select((_, i) => "$f" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        // An empty list cannot be written as IN (); no stage is named '' (validated), so that matches nothing.
        command.CommandText = string.Format(CultureInfo.InvariantCulture, sql, names.Count == 0 ? "''" : string.Join(", ", names));
        foreach (var (name, stage) in names.Zip(finalStages))
        {
            Add(command, name, stage);
        }
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
