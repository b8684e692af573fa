using System.Text.Json;
using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.State;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Ha;

/// <summary>
/// Real <c>aeg run</c> processes sharing one ESM database (real MariaDB) and one syslog-ng
/// receiver: one polls, the others stand by; killed or frozen, the active one is replaced.
/// </summary>
public sealed class ActiveStandbyProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    // Generous for a loaded CI machine: a process starved of CPU for this long loses its lease.
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(8);
    private const int Rows = 30_000, Batch = 100;

    [Fact]
    public async Task Kill_9_and_freeze_of_the_active_instance_hand_over_within_the_takeover_time_from_the_same_cursor_losing_nothing()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        await using var ha = await TestDatabase.CreateAsync();
        var lockName = "aeg-lease-" + Guid.NewGuid().ToString("N")[..12];
        var hourAgo = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

        using var a = Start(h, ha, lockName, receiver.TcpLfPort, "aeg-a");
        await a.WaitForLineAsync("Active: lease", Deadline);
        using var b = Start(h, ha, lockName, receiver.TcpLfPort, "aeg-b");
        await b.WaitForLineAsync("Standby: lease", Deadline);
        // The backlog appears once both run (one statement: the active instance sees it whole).
        await h.Db.InsertRangeAsync(firstId: 1, count: Rows, firstMs: hourAgo, stepMs: 1);

        // kill -9 of the active instance in the middle of its drain.
        AnnotationCursor? seen = null;
        await WaitUntil.HoldsAsync(async () => (seen = await SharedCursorAsync(ha, lockName)) is { EventId: > 0 and < Rows - Batch } || a.HasExited,
            "the shared cursor to stop inside the drain", Deadline, () => $"last {seen}; output:\n{a.Output}");
        Assert.True(seen is { EventId: > 0 and < Rows - Batch }, a.Output);
        Assert.False(b.Output.Contains("Active: lease", StringComparison.Ordinal), $"the standby took over before the kill; active instance's output:\n{a.Output}");
        // Taken before the signal: the standby can react before kill(1) has even returned.
        var killedAt = DateTime.UtcNow;
        await a.SignalAsync("KILL");
        await a.WaitForExitAsync(Deadline);
        var cursorAtKill = (await SharedCursorAsync(ha, lockName))!.Value;
        Assert.True(cursorAtKill.EventId < Rows, "killed after the drain had finished");

        var tookOverAt = await b.WaitForLineAsync("Active: lease", Deadline, after: killedAt);
        var killTakeover = tookOverAt - killedAt;
        Assert.True(killTakeover < Takeover, $"kill -9: takeover after {killTakeover.TotalSeconds:F2} s, more than {Takeover}");
        // The killed instance's last cursor write may still be executing on the server when it
        // is read above (the server finishes a statement whose client died): the standby resumes
        // from that cursor or from the one batch after it, never from anywhere else.
        await b.WaitForLineAsync("Resuming at ", Deadline, after: killedAt);
        var resumedAt = (await SharedCursorAsync(ha, lockName))!.Value;
        var resumeLine = b.Output.Split('\n').Last(l => l.Contains("Resuming at ", StringComparison.Ordinal));
        var resumedEvent = long.Parse(System.Text.RegularExpressions.Regex.Match(resumeLine, @"Resuming at \S+ / event (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(resumedEvent == cursorAtKill.EventId || resumedEvent == cursorAtKill.EventId + Batch,
            $"the standby resumed at event {resumedEvent}, the killed instance's cursor was event {cursorAtKill.EventId} (store now {resumedAt}): {resumeLine}");
        await WaitForAllRowsAsync(receiver, h, Rows);

        // A frozen active instance (SIGSTOP: connected but silent) loses the lease to the server's
        // wait_timeout; the standby takes over, and the old one, thawed, cannot move the cursor.
        using var c = Start(h, ha, lockName, receiver.TcpLfPort, "aeg-c");
        await c.WaitForLineAsync("Standby: lease", Deadline);
        var frozenAt = DateTime.UtcNow;
        await b.SignalAsync("STOP");
        var cTookOverAt = await c.WaitForLineAsync("Active: lease", Deadline + Takeover, after: frozenAt);
        var freezeTakeover = cTookOverAt - frozenAt;
        Assert.True(freezeTakeover < Takeover + TimeSpan.FromSeconds(2), $"freeze: takeover after {freezeTakeover.TotalSeconds:F2} s");

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await h.Db.InsertRangeAsync(firstId: Rows + 1, count: 50, firstMs: now, stepMs: 1);
        await WaitForAllRowsAsync(receiver, h, Rows + 50);
        Assert.Equal("aeg-c", await SharedWriterAsync(ha, lockName));

        var thawedAt = DateTime.UtcNow;
        await b.SignalAsync("CONT");
        await b.WaitForLineAsync($"Lease {lockName} lost", Deadline, after: thawedAt);
        await b.WaitForLineAsync("Standby again", Deadline, after: thawedAt);
        await h.Db.InsertRangeAsync(firstId: Rows + 51, count: 50, firstMs: now + 1000, stepMs: 1);
        var ids = await WaitForAllRowsAsync(receiver, h, Rows + 100);
        Assert.Equal("aeg-c", await SharedWriterAsync(ha, lockName));

        // At-least-once: every row, duplicates only from a batch whose cursor write did not happen.
        var duplicates = ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count <= 2 * Batch, $"{duplicates.Count} duplicated events");
        Assert.All(duplicates, d => Assert.True(d > cursorAtKill.EventId, $"event {d} was re-sent although the cursor had passed it"));

        await c.SignalAsync("TERM");
        await b.SignalAsync("TERM");
        Assert.Equal(0, await c.WaitForExitAsync(Deadline));
        Assert.Equal(0, await b.WaitForExitAsync(Deadline));
        Assert.Contains($"Lease {lockName} released", c.Output);
        Assert.DoesNotContain(h.Db.Password, a.Output + b.Output + c.Output);
        output.WriteLine($"rows {Rows + 100}, events received {ids.Count}, distinct {ids.Distinct().Count()}, duplicated {duplicates.Count}, lost 0; " +
            $"takeover after kill -9 {killTakeover.TotalSeconds:F2} s, after SIGSTOP {freezeTakeover.TotalSeconds:F2} s (takeover {Takeover.TotalSeconds} s)");
    }

    private static AegProcess Start(PollerHarness h, TestDatabase ha, string lockName, int syslogPort, string name)
    {
        var o = h.Db.Options;
        var dir = Path.Combine(h.StateDirectory, name);
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "aeg.yaml");
        File.WriteAllText(config, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: AEG_HA_DB_PASSWORD, sslMode: None }
            poller: { batchSize: {{Batch}}, firstStart: beginning, interval: 1s, retryMinDelay: 50ms, retryMaxDelay: 500ms }
            state: { directory: {{dir}} }
            ha: { enabled: true, database: {{ha.Name}}, lockName: {{lockName}}, takeover: {{(int)Takeover.TotalSeconds}}s }
            syslog: { host: 127.0.0.1, port: {{syslogPort}}, protocol: tcp, framing: lf, reconnectMinDelay: 20ms, reconnectMaxDelay: 100ms, connectTimeout: 2s }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            hostName: {{name}}

            """);
        return AegProcess.Start(["run", "--config", config], new Dictionary<string, string> { ["AEG_HA_DB_PASSWORD"] = h.Db.Password });
    }

    // Waits until every event id of the table arrived at least once; returns all received ids.
    private static async Task<List<long>> WaitForAllRowsAsync(SyslogNgReceiver receiver, PollerHarness h, int rows)
    {
        var expected = await TableIdsAsync(h);
        Assert.Equal(rows, expected.Count);
        List<long> ids = [];
        await WaitUntil.HoldsAsync(() => !expected.Except(ids = ParsedCef.EventIds(receiver.ReadLineBytes())).Any(),
            $"all {rows} rows at syslog-ng", Deadline, () => $"{expected.Except(ids).Count()} never arrived");
        Assert.Empty(ids.Except(expected));
        return ids;
    }

    private static async Task<HashSet<long>> TableIdsAsync(PollerHarness h)
    {
        await using var c = await h.Db.OpenConnectionAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT event_id FROM arc_event_annotation";
        await using var r = await cmd.ExecuteReaderAsync();
        var ids = new HashSet<long>();
        while (await r.ReadAsync())
        {
            ids.Add(r.GetInt64(0));
        }
        return ids;
    }

    private static async Task<AnnotationCursor?> SharedCursorAsync(TestDatabase ha, string lockName)
    {
        var state = await SharedColumnAsync(ha, lockName, "state") as byte[];
        if (state is null)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(state);
        var cursor = doc.RootElement.GetProperty("cursor");
        return new AnnotationCursor(cursor.GetProperty("modificationTime").GetInt64(), cursor.GetProperty("eventId").GetInt64());
    }

    private static async Task<string?> SharedWriterAsync(TestDatabase ha, string lockName) =>
        await SharedColumnAsync(ha, lockName, "written_by") as string;

    private static async Task<object?> SharedColumnAsync(TestDatabase ha, string lockName, string column)
    {
        await using var c = await ha.OpenConnectionAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {column} FROM aeg_poller_state WHERE name = @n";
        Aeg.Annotations.AnnotationDatabase.AddParameter(cmd, "@n", lockName);
        try
        {
            return await cmd.ExecuteScalarAsync();
        }
        catch (System.Data.Common.DbException) when (column == "state")
        {
            return null; // the table does not exist yet
        }
    }
}
