using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.State;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Faults;

/// <summary>Fault drill: the real <c>aeg run</c> process killed with SIGKILL at random points of a drain, 20 times.</summary>
public sealed class KillNineDrillTests(ITestOutputHelper output)
{
    // Rows per round: enough that the native aeg (no JIT, ~20 ms start-up) is still draining when the
    // kill lands; 1000 were drained before most kills.
    private const int Kills = 20, Batch = 50, RowsPerRound = 4000;

    [Fact]
    public async Task Aeg_run_killed_with_sigkill_20_times_mid_drain_loses_no_row_and_resends_only_the_unacknowledged_batch()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        var config = Drill.WriteConfig(Path.Combine(h.StateDirectory, "aeg.yaml"), h.Db, h.StateDirectory, receiver.TcpLfPort, Batch);
        var baseMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        long lastId = 0;
        var cursorsAtKill = new List<long>();
        var midDrain = 0;

        for (var round = 0; round < Kills; round++)
        {
            // New rows each round keep a backlog in front of the poller, so every kill can land mid-drain.
            // At stage Initial, so each event makes one transition in the analyst history (recorded beside the sending).
            await h.Db.InsertRangeAsync(firstId: lastId + 1, count: RowsPerRound, firstMs: baseMs + lastId + 1, stepMs: 1, stage: 2);
            lastId += RowsPerRound;
            var start = SavedCursor(h);
            using var aeg = Drill.StartAeg(["run", "--config", config], h.Db.Password);
            // The kill point: during start-up or the first batches (0), or after 1–3 committed batches
            // plus a random few ms.
            var batches = random.Next(0, 4);
            if (batches == 0)
            {
                await Task.Delay(random.Next(0, 100));
            }
            else
            {
                await WaitUntil.HoldsAsync(() => aeg.HasExited || SavedCursor(h) >= start + batches * Batch,
                    $"round {round}: {batches} batch(es) committed", TimeSpan.FromSeconds(60));
                await Task.Delay(random.Next(0, 15));
            }
            Assert.False(aeg.HasExited, $"aeg run exited by itself: {aeg.Output}");
            aeg.KillHard();
            var atKill = SavedCursor(h);
            cursorsAtKill.Add(atKill);
            if (atKill < lastId)
            {
                midDrain++;
            }
        }

        var (exit, finalOutput) = await Drill.RunAegAsync(["poll", "--once", "--config", config], h.Db.Password);
        Assert.True(exit == 0, finalOutput);
        Assert.Equal(lastId, SavedCursor(h));
        await WaitUntil.HoldsAsync(() => ParsedCef.EventIds(receiver.ReadLineBytes()).Distinct().Count() >= lastId, "every row at syslog-ng", TimeSpan.FromSeconds(60));
        var ids = ParsedCef.EventIds(receiver.ReadLineBytes());

        var result = DrillResult.FromIds("kill -9 x20", Enumerable.Range(1, (int)lastId).Select(i => (long)i), ids,
            $"batch {Batch}, {RowsPerRound} new rows per round, {midDrain} of {Kills} kills with a backlog left, seed {seed}");
        result.Print(output);
        Assert.Equal(0, result.Lost);
        Assert.True(result.Duplicated <= Kills * Batch, $"{result.Duplicated} duplicates, more than {Kills} x batch {Batch}");
        Assert.True(midDrain >= Kills / 2, $"only {midDrain} kills hit a drain in progress");
        // The analyst history, written beside the sending with its own position: every event's
        // transition exactly once, although kills cut batches being recorded and rows were re-sent.
        var (transitions, events, recordedUpTo) = AnalyticsHistory(h.StateDirectory);
        Assert.Equal((lastId, lastId), (transitions, events));
        Assert.Equal(lastId, recordedUpTo);
        // A row is sent again only when a kill found it after the saved cursor, inside the one
        // batch that was on the wire but not yet committed (ids follow modification time here).
        foreach (var group in ids.GroupBy(id => id).Where(g => g.Count() > 1))
        {
            var windows = cursorsAtKill.Count(c => group.Key > c && group.Key <= c + Batch);
            Assert.True(group.Count() - 1 <= windows,
                $"event {group.Key} arrived {group.Count()} times but lay in the unacknowledged batch of only {windows} kill(s)");
        }
    }

    private static (long Transitions, long Events, long RecordedUpTo) AnalyticsHistory(string stateDirectory)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(stateDirectory, "analytics.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*), COUNT(DISTINCT event_id), (SELECT event_id FROM analytics_cursor) FROM analytics_transitions";
        using var r = count.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
    }

    // The saved cursor's event id (ids follow modification time in this drill); 0 before the first batch.
    private static long SavedCursor(PollerHarness h)
    {
        try
        {
            return h.StateFile.Load()?.Cursor is { } c && c.EventId > 0 ? c.EventId : 0;
        }
        catch (Exception ex) when (ex is IOException or StateFileException)
        {
            return 0;
        }
    }
}
