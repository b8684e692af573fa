using System.Data.Common;
using Aeg.State;
using Serilog;

namespace Aeg.Analytics;

/// <summary>
/// Prunes durations, transitions and notes older than <c>analytics.retention</c> from the history,
/// at start and every <see cref="Interval"/>, in small transactions so recording never waits long.
/// </summary>
/// <remarks>
/// The per-day counts (<see cref="AnalyticsDays"/>) follow the rows. The histogram totals (<c>analytics_buckets</c>) are not pruned: they back Prometheus counters,
/// which must never go down. Each event's last state (one row per event) is kept too: an edit to an
/// event older than the retention must still be derived from it, not taken for a new event whose
/// whole audit trail would be measured again.
/// </remarks>
public sealed class AnalyticsRetention(AnalyticsStore store, TimeSpan keep, ILogger log, TimeProvider? time = null)
{
    /// <summary>How often the history is pruned after the pass at start.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per transaction: a few milliseconds of holding the write lock.</summary>
    public const int BatchSize = 2_000;

    // Between two batches the write lock is free for the recorder.
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    private static readonly (string Table, string TimeColumn)[] Tables =
        [("analytics_durations", "end_ms"), ("analytics_transitions", "time_ms"), ("analytics_notes", "time_ms")];

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Rows older than this (epoch ms) are pruned now.</summary>
    public long CutoffMs => _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)keep.TotalMilliseconds;

    /// <summary>Prunes at once, then every <see cref="Interval"/> until <paramref name="stop"/>; a failure is logged and tried again next time.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var pruned = await PruneAsync(stop);
                if (pruned > 0)
                {
                    log.Information("Analyst metrics: pruned {Rows} rows older than {Retention} from the history", pruned, Logging.LogText.Duration(keep));
                }
                await Task.Delay(Interval, _time, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbException or IOException)
            {
                log.Warning("Analyst metrics: pruning the history failed ({Reason}); trying again in {Interval}", ex.Message, Logging.LogText.Duration(Interval));
                try
                {
                    await Task.Delay(Interval, _time, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Prunes everything older than <see cref="CutoffMs"/>, batch by batch, pausing between batches; returns the rows deleted.</summary>
    public async Task<long> PruneAsync(CancellationToken stop = default)
    {
        var cutoff = CutoffMs;
        long total = 0;
        foreach (var (table, column) in Tables)
        {
            int deleted;
            do
            {
                stop.ThrowIfCancellationRequested();
                deleted = await Task.Run(() => PruneBatch(table, column, cutoff), stop);
                total += deleted;
                if (deleted == BatchSize)
                {
                    await Task.Delay(Pause, _time, stop);
                }
            }
            while (deleted == BatchSize);
        }
        await Task.Run(() =>
        {
            using var connection = store.OpenConnection();
            AnalyticsDays.Prune(connection, cutoff);
        }, stop);
        return total;
    }

    // One short transaction: the oldest rows first, through the table's time index.
    private int PruneBatch(string table, string column, long cutoffMs)
    {
        using var connection = store.OpenConnection();
        using var delete = connection.CreateCommand();
        delete.CommandText = $"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {column} < $cutoff ORDER BY {column} LIMIT {BatchSize})";
        var p = delete.CreateParameter();
        p.ParameterName = "$cutoff";
        p.Value = cutoffMs;
        delete.Parameters.Add(p);
        return delete.ExecuteNonQuery();
    }
}
