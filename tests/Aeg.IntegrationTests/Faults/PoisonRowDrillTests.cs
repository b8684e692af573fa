using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.State;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Faults;

/// <summary>
/// Fault drills of issue 18 with the native <c>aeg run</c>, the real MariaDB and syslog-ng: the worst rows
/// an ESM database (or its DBA) can hold among ordinary ones, and the version memory under kill -9.
/// </summary>
public sealed class PoisonRowDrillTests(ITestOutputHelper output)
{
    private const long Year10000Ms = 253_402_300_800_000;

    [Fact]
    public async Task Aeg_run_sends_10000_rows_around_every_kind_of_poison_row_never_exits_and_marks_what_it_changed()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        var baseMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        // A DBA widened the comment column: ESM's own limit no longer holds.
        await h.Db.ExecuteAsync("ALTER TABLE arc_event_annotation MODIFY current_comment TEXT NULL");
        await h.Db.InsertRangeAsync(firstId: 1, count: 10_000, firstMs: baseMs, stepMs: 1);
        await h.Db.ExecuteAsync($"UPDATE arc_event_annotation SET manager_receipt_time = {Year10000Ms} WHERE event_id = 1000");
        await h.Db.ExecuteAsync($"UPDATE arc_event_annotation SET current_comment = REPEAT('x', 5000) WHERE event_id = 2000");
        await h.Db.ExecuteAsync($"UPDATE arc_event_annotation SET modification_time = 0 WHERE event_id = 3000");
        await h.Db.ExecuteAsync($"UPDATE arc_event_annotation SET modification_time = {Year10000Ms} WHERE event_id = 4000");
        var config = Drill.WriteConfig(Path.Combine(h.StateDirectory, "aeg.yaml"), h.Db, h.StateDirectory, receiver.TcpLfPort, batchSize: 1000);

        using var aeg = Drill.StartAeg(["run", "--config", config], h.Db.Password);
        await WaitUntil.HoldsAsync(() => aeg.HasExited || ParsedCef.EventIds(receiver.ReadLineBytes()).Distinct().Count() >= 10_000,
            "all 10,000 rows at syslog-ng", TimeSpan.FromSeconds(120));
        Assert.False(aeg.HasExited, $"aeg run exited: {aeg.Output}");
        // Two more polls, each proved by a new row arriving: the year-10000 row is read again by
        // each, but must not be sent again, nor the cursor follow it.
        for (var sentinel = 20_001; sentinel <= 20_002; sentinel++)
        {
            await h.Db.InsertRangeAsync(firstId: sentinel, count: 1, firstMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), stepMs: 0);
            await WaitUntil.HoldsAsync(() => ParsedCef.EventIds(receiver.ReadLineBytes()).Contains(sentinel), $"row {sentinel}", TimeSpan.FromSeconds(30));
        }

        var events = receiver.ReadLineBytes().Select(b => ParsedCef.Parse(System.Text.Encoding.UTF8.GetString(b))).ToList();
        var byId = events.GroupBy(e => long.Parse(e["cn2"], System.Globalization.CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(10_002, byId.Count);
        Assert.Single(byId[4000]);
        Assert.Equal("time_out_of_range", byId[1000][0]["cs6"]);
        Assert.DoesNotContain("deviceCustomDate2", byId[1000][0].Extensions.Keys);
        Assert.Equal("truncated", byId[2000][0]["cs6"]);
        Assert.Equal(4000, byId[2000][0]["cs2"].Length);
        Assert.Equal("missing_time", byId[3000][0]["cs6"]);
        Assert.Equal("time_out_of_range,future_time", byId[4000][0]["cs6"]);
        Assert.Equal(4, events.Count(e => e.Extensions.ContainsKey("cs6")));
        // The cursor stays on the last row of today, not on the year 10000.
        Assert.Equal(20_002, h.StateFile.Load()!.Cursor.EventId);
        Assert.True(h.StateFile.Load()!.Cursor.ModificationTimeMs <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        output.WriteLine($"DRILL poison rows: 10,000 rows + 2 later, 4 poison, {events.Count} events at syslog-ng, {byId.Count} distinct");

        await aeg.SignalAsync("TERM");
        Assert.Equal(0, await aeg.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("truncated", aeg.Output);
        Assert.Contains("future_time", aeg.Output);
    }

    [Fact]
    public async Task An_unreadable_row_among_10000_survives_kill_9_is_quarantined_with_its_id_and_reason_and_aeg_quarantine_retry_sends_it_after_the_fix()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        var baseMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        // A DBA's unsigned column holding a value no signed 64-bit integer can: the driver cannot read it.
        await h.Db.ExecuteAsync("ALTER TABLE arc_event_annotation MODIFY flags BIGINT UNSIGNED NOT NULL DEFAULT 0");
        await h.Db.InsertRangeAsync(firstId: 1, count: 10_000, firstMs: baseMs, stepMs: 1);
        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET flags = 18446744073709551615 WHERE event_id = 5000");
        var config = Drill.WriteConfig(Path.Combine(h.StateDirectory, "aeg.yaml"), h.Db, h.StateDirectory, receiver.TcpLfPort, batchSize: 1000);

        // Killed with SIGKILL at random points of the drain first: the quarantine entry is written
        // before the cursor passes the row, so a kill can repeat it in the file, never lose it.
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var outputs = new List<string>();
        for (var kill = 0; kill < 3; kill++)
        {
            using var killed = Drill.StartAeg(["run", "--config", config], h.Db.Password);
            await Task.Delay(random.Next(0, 400));
            killed.KillHard();
            await killed.WaitForExitAsync(TimeSpan.FromSeconds(10));
            outputs.Add(killed.Output);
        }
        using (var aeg = Drill.StartAeg(["run", "--config", config], h.Db.Password))
        {
            await WaitUntil.HoldsAsync(() => aeg.HasExited || ParsedCef.EventIds(receiver.ReadLineBytes()).Distinct().Count() >= 9_999,
                "the 9,999 good rows at syslog-ng", TimeSpan.FromSeconds(120));
            Assert.False(aeg.HasExited, $"aeg run exited: {aeg.Output}");
            await aeg.SignalAsync("TERM");
            Assert.Equal(0, await aeg.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            outputs.Add(aeg.Output);
            // Said by whichever run reached the row (a killed one, if it got that far).
            Assert.Contains(outputs, o => o.Contains("Event 5000 version 1 cannot be sent and is quarantined", StringComparison.Ordinal));
        }
        Assert.Equal(Enumerable.Range(1, 10_000).Where(i => i != 5000).Select(i => (long)i), ParsedCef.EventIds(receiver.ReadLineBytes()).Distinct().Order());

        var (listExit, listed) = await Drill.RunAegAsync(["quarantine", "list", "--config", config], h.Db.Password);
        Assert.Equal(0, listExit);
        var line = Assert.Single(listed.Split('\n'), l => l.StartsWith("5000 ", StringComparison.Ordinal));
        Assert.Contains("1 row(s) quarantined", listed);
        Assert.Contains("flags", line);

        // Not fixed yet: the retry says why and keeps the row.
        var (stillExit, still) = await Drill.RunAegAsync(["quarantine", "retry", "--config", config], h.Db.Password);
        Assert.True(stillExit == 1, still);
        Assert.Contains("event 5000 version 1: still cannot be sent", still);

        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET flags = 1 WHERE event_id = 5000");
        var (retryExit, retried) = await Drill.RunAegAsync(["quarantine", "retry", "--config", config], h.Db.Password);
        Assert.True(retryExit == 0, retried);
        await WaitUntil.HoldsAsync(() => ParsedCef.EventIds(receiver.ReadLineBytes()).Contains(5000), "event 5000 at syslog-ng", TimeSpan.FromSeconds(30));
        var (_, after) = await Drill.RunAegAsync(["quarantine", "list", "--config", config], h.Db.Password);
        Assert.Contains("0 row(s) quarantined", after);
        output.WriteLine($"DRILL unreadable row: 10,000 rows, 3 kill -9 then aeg run, 9,999 delivered, event 5000 quarantined once and sent by aeg quarantine retry after the fix; seed {seed}");
    }

    [Fact]
    public async Task Aeg_run_killed_with_sigkill_after_a_version_was_sent_reports_exactly_the_versions_never_sent_in_every_round()
    {
        const int Rounds = 6;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        var t = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
        await h.Db.InsertRangeAsync(firstId: 7, count: 1, firstMs: t, stepMs: 0);
        var config = Drill.WriteConfig(Path.Combine(h.StateDirectory, "aeg.yaml"), h.Db, h.StateDirectory, receiver.TcpLfPort, batchSize: 100);
        var version = 1L;
        var reported = new List<string>();

        using (var first = Drill.StartAeg(["run", "--config", config], h.Db.Password))
        {
            await WaitForVersionAsync(receiver, h, version);
            first.KillHard();
        }
        for (var round = 0; round < Rounds; round++)
        {
            // One more version, sent and committed; the kill lands 0-1.5 s later (well inside the
            // 30 s between two snapshots of the version memory).
            using var aeg = Drill.StartAeg(["run", "--config", config], h.Db.Password);
            await SetVersionAsync(h, ++version, ++t);
            await WaitForVersionAsync(receiver, h, version);
            await Task.Delay(random.Next(0, 1500));
            aeg.KillHard();

            // Two edits while Aeg is down: the first is overwritten by the second and never seen.
            await SetVersionAsync(h, ++version, ++t);
            await SetVersionAsync(h, ++version, ++t);
            using var restarted = Drill.StartAeg(["run", "--config", config], h.Db.Password);
            var line = await WaitForVersionAsync(receiver, h, version);
            restarted.KillHard();
            reported.Add(line.Extensions.GetValueOrDefault("cs5") ?? "none");
        }
        output.WriteLine($"DRILL kill -9 version memory: {Rounds} rounds, true gap 1 each, reported cs5 = {string.Join(",", reported)}, seed {seed}");
        Assert.All(reported, r => Assert.Equal("1", r));
    }

    private static Task SetVersionAsync(PollerHarness h, long version, long modificationMs) =>
        h.Db.ExecuteAsync($"UPDATE arc_event_annotation SET version = {version}, modification_time = {modificationMs} WHERE event_id = 7");

    // Waits until syslog-ng has the event at this version and its batch is committed (the cursor
    // file holds its modification time): from then on the version counts as sent.
    private static async Task<ParsedCef> WaitForVersionAsync(SyslogNgReceiver receiver, PollerHarness h, long version)
    {
        ParsedCef? found = null;
        await WaitUntil.HoldsAsync(() =>
        {
            found = receiver.ReadLineBytes().Select(b => ParsedCef.Parse(System.Text.Encoding.UTF8.GetString(b)))
                .LastOrDefault(e => e["cn1"] == version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return found is not null && SavedCursorMs(h) >= long.Parse(found["deviceCustomDate1"], System.Globalization.CultureInfo.InvariantCulture);
        }, $"version {version} sent and committed", TimeSpan.FromSeconds(30));
        return found!;
    }

    private static long SavedCursorMs(PollerHarness h)
    {
        try
        {
            return h.StateFile.Load()?.Cursor.ModificationTimeMs ?? long.MinValue;
        }
        catch (Exception ex) when (ex is IOException or StateFileException)
        {
            return long.MinValue;
        }
    }

}
