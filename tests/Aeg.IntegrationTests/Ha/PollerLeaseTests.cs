using System.Diagnostics;
using Aeg.Annotations;
using Aeg.Ha;
using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.State;
using Serilog;

namespace Aeg.IntegrationTests.Ha;

/// <summary>The GET_LOCK lease and the fenced shared cursor against the real MariaDB.</summary>
public sealed class PollerLeaseTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly ILogger Log = new LoggerConfiguration().CreateLogger();
    private static readonly long HourAgoMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    private static HaOptions Options(TestDatabase ha) => new()
    {
        Enabled = true,
        Database = ha.Name,
        LockName = "aeg-lease-" + Guid.NewGuid().ToString("N")[..12],
        Takeover = TimeSpan.FromSeconds(3),
    };

    private static Task<PollerLease> AcquireAsync(TestDatabase db, HaOptions o, CancellationToken ct = default) =>
        PollerLease.AcquireAsync(db.Database, o, Log, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), ct);

    [Fact]
    public async Task A_standby_waits_and_takes_the_lease_as_soon_as_the_holders_connection_dies()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await using var ha = await TestDatabase.CreateAsync();
        var o = Options(ha);
        var first = await AcquireAsync(db, o);
        await using var _ = first;

        var second = AcquireAsync(db, o);
        // The standby is parked in GET_LOCK on the server, not done.
        await WaitUntil.HoldsAsync(async () => await WaitingOnLockAsync(o.LockName) > 0, "the standby to wait in GET_LOCK", Deadline);
        Assert.False(second.IsCompleted);
        Assert.False(first.IsLost);

        // What kill -9 of the active process does: its connection ends.
        var watch = Stopwatch.StartNew();
        KillConnection(first.ConnectionId);
        await using var taken = await second.WaitAsync(Deadline);
        watch.Stop();
        Assert.True(watch.Elapsed < o.Takeover, $"takeover took {watch.Elapsed}, more than {o.Takeover}");
        Assert.NotEqual(first.ConnectionId, taken.ConnectionId);

        // The old holder finds out by its heartbeat and refuses fenced work.
        await WaitUntil.HoldsAsync(() => first.Lost.IsCancellationRequested, "the old holder to notice the loss", Deadline);
        Assert.Throws<LeaseLostException>(() => first.Fenced(_ => 1));
        Assert.Equal(1, taken.Fenced(_ => 1));
    }

    [Fact]
    public async Task Disposing_the_lease_releases_it_at_once_for_the_standby()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await using var ha = await TestDatabase.CreateAsync();
        var o = Options(ha);
        var first = await AcquireAsync(db, o);
        var second = AcquireAsync(db, o);
        await WaitUntil.HoldsAsync(async () => await WaitingOnLockAsync(o.LockName) > 0, "the standby to wait in GET_LOCK", Deadline);

        var watch = Stopwatch.StartNew();
        await first.DisposeAsync();
        await using var taken = await second.WaitAsync(Deadline);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"takeover after a clean stop took {watch.Elapsed}");
        Assert.True(first.IsLost);
    }

    [Fact]
    public async Task Lease_lost_mid_batch_stops_before_the_cursor_moves_and_the_next_holder_resends_that_batch()
    {
        const int rows = 1000, batch = 100;
        await using var h = await PollerHarness.CreateAsync();
        await using var ha = await TestDatabase.CreateAsync();
        h.Options.BatchSize = batch;
        h.Options.LookBack = TimeSpan.Zero;
        await h.Db.InsertRangeAsync(firstId: 1, count: rows, firstMs: HourAgoMs, stepMs: 1);
        var o = Options(ha);

        var first = await AcquireAsync(h.Db, o);
        var store = new SharedStateStore(first, o, "instance-a", TimeSpan.FromSeconds(30));
        store.EnsureTable(o.Database);
        var sender = new RecordingSyslogSender();
        // In the middle of the second batch, the lease connection dies (the server freed the lock).
        sender.BeforeSend = n =>
        {
            if (n == batch + batch / 2)
            {
                KillConnection(first.ConnectionId);
            }
        };
        await using (var poller = NewPoller(h, sender, store))
        {
            poller.Initialize();
            await Assert.ThrowsAsync<LeaseLostException>(() => poller.PollOnceAsync(CancellationToken.None));
            // Batch 2 was flushed, but its cursor write was refused (the poller is discarded with
            // its in-memory cursor): the shared cursor, read below by the next holder, is the end of batch 1.
            Assert.Equal(2 * batch, sender.Flushed.Count);
        }
        await first.DisposeAsync();

        await using var second = await AcquireAsync(h.Db, o);
        var shared = new SharedStateStore(second, o, "instance-b", TimeSpan.FromSeconds(30));
        Assert.Equal(new AnnotationCursor(HourAgoMs + batch - 1, batch), shared.Load()!.Cursor);
        var sender2 = new RecordingSyslogSender();
        await using (var poller = NewPoller(h, sender2, shared))
        {
            poller.Initialize();
            Assert.Equal(rows - batch, await poller.PollOnceAsync(CancellationToken.None));
        }
        Assert.Equal(new AnnotationCursor(HourAgoMs + rows - 1, rows), shared.Load()!.Cursor);

        var ids = ParsedCef.EventIds(sender.Flushed.Concat(sender2.Flushed));
        Assert.Equal(Enumerable.Range(1, rows).Select(i => (long)i), ids.Distinct().Order());
        var duplicates = ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Equal(Enumerable.Range(batch + 1, batch).Select(i => (long)i), duplicates.Order());
    }

    [Fact]
    public async Task The_shared_state_round_trips_cursor_recent_keys_and_versions()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await using var ha = await TestDatabase.CreateAsync();
        var o = Options(ha);
        await using var lease = await AcquireAsync(db, o);
        var store = new SharedStateStore(lease, o, "instance-a", TimeSpan.FromSeconds(30));
        store.EnsureTable(o.Database);
        Assert.Null(store.Load());
        Assert.Empty(store.LoadVersions());

        var state = new AnnotationState { Cursor = new AnnotationCursor(1234, 56), Recent = [new SentKey(7, 2, 1200), new SentKey(8, 1, 1230)] };
        store.Save(state);
        store.SaveVersions([new(7, 2), new(8, 1)]);

        var other = new SharedStateStore(lease, o, "instance-b", TimeSpan.FromSeconds(30));
        // The second instance finds the table there (CREATE TABLE IF NOT EXISTS then leaves a note).
        other.EnsureTable(o.Database);
        var loaded = other.Load()!;
        Assert.Equal(state.Cursor, loaded.Cursor);
        Assert.Equal(state.Recent, loaded.Recent);
        Assert.Equal([new(7, 2), new(8, 1)], other.LoadVersions());
    }

    private static AnnotationPoller NewPoller(PollerHarness h, RecordingSyslogSender sender, IAnnotationStateStore store) => new(
        new AnnotationSource(h.Db.Database, h.Source, PollerHarness.Mappings.Fields.Select(f => f.Source).ToHashSet()),
        new AnnotationMapper(PollerHarness.Mappings, new Aeg.Syslog.SyslogOutputOptions(), "aeg-test.example.com"),
        sender, store, h.Options, Log);

    // Synchronous: it also runs inside the poller's send callback.
    internal static void KillConnection(long connectionId)
    {
        using var c = TestServices.MySqlFactory.CreateConnection()!;
        c.ConnectionString = TestServices.MySqlConnectionString;
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"KILL CONNECTION {connectionId}";
        cmd.ExecuteNonQuery();
    }

    private static async Task<long> WaitingOnLockAsync(string lockName)
    {
        await using var c = TestServices.MySqlFactory.CreateConnection()!;
        c.ConnectionString = TestServices.MySqlConnectionString;
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE CONCAT('%GET_LOCK(''', @n, '''%')";
        AnnotationDatabase.AddParameter(cmd, "@n", lockName);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }
}
