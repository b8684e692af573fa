using Aeg.Annotations;
using Aeg.State;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>
/// Rows a real ESM database can hold that once stopped or trapped the poller (issue 18): dates CEF
/// cannot carry, rows dated in the future, late commits older than the look-back window, and the
/// version memory across a crash. The poller runs against the real MariaDB with an in-memory sender.
/// </summary>
public sealed class PoisonRowTests
{
    private const long Year10000Ms = 253_402_300_800_000;
    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private static readonly long HourAgoMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_year_10000_receipt_time_among_10000_rows_is_sent_without_the_date_and_marked_and_every_other_row_arrives()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 1, count: 10_000, firstMs: HourAgoMs, stepMs: 1);
        await h.Db.ExecuteAsync($"UPDATE arc_event_annotation SET manager_receipt_time = {Year10000Ms} WHERE event_id = 5000");
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);

        Assert.Equal(10_000, await poller.PollOnceAsync(CancellationToken.None));

        Assert.Equal(Enumerable.Range(1, 10_000).Select(i => (long)i), ParsedCef.EventIds(sender.Flushed));
        var poison = ParsedCef.Parse(sender.Flushed[4999]);
        Assert.Equal("5000", poison["cn2"]);
        Assert.DoesNotContain("deviceCustomDate2", poison.Extensions.Keys);
        Assert.Equal("time_out_of_range", poison["cs6"]);
        Assert.DoesNotContain("cs6", ParsedCef.Parse(sender.Flushed[4998]).Extensions.Keys);
        Assert.Equal(1, poller.Counters.RowsChanged(RowChanges.TimeOutOfRange));
        Assert.Equal(new AnnotationCursor(HourAgoMs + 9_999, 10_000), poller.Cursor);
    }

    [Fact]
    public async Task A_row_dated_in_2100_is_sent_once_and_the_1000_rows_written_during_a_40_s_stop_arrive_after_the_restart()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.FirstStart = "now";
        var year2100Ms = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var sender = new RecordingSyslogSender();
        // After the first start's cursor (now), whatever the time the start takes.
        var startMs = NowMs + 1000;
        await using (var first = h.CreatePoller(sender))
        {
            await h.Db.InsertRangeAsync(firstId: 1, count: 1, firstMs: year2100Ms, stepMs: 0);
            await h.Db.InsertRangeAsync(firstId: 2, count: 10, firstMs: startMs + 1, stepMs: 1);
            Assert.Equal(11, await first.PollOnceAsync(CancellationToken.None));
            // The cursor follows the ten rows of today, not the row of 2100.
            Assert.Equal(new AnnotationCursor(startMs + 10, 11), first.Cursor);
            Assert.Equal(0, await first.PollOnceAsync(CancellationToken.None));
        }
        var future = ParsedCef.Parse(sender.Flushed[^1]);
        Assert.Equal("1", future["cn2"]);
        Assert.Equal("future_time", future["cs6"]);

        // Written while Aeg was stopped for 40 s (behind the 2100 row, ahead of the cursor), and read
        // 40 s later: outside the 30 s look-back, where a cursor trapped in 2100 lost them.
        await h.Db.InsertRangeAsync(firstId: 100, count: 1000, firstMs: startMs + 100, stepMs: 1);
        await using var second = h.CreatePoller(sender, time: new ShiftedClock(TimeSpan.FromSeconds(40)));
        Assert.Equal(1000, await second.PollOnceAsync(CancellationToken.None));

        var ids = ParsedCef.EventIds(sender.Flushed);
        Assert.Equal(Enumerable.Range(100, 1000).Select(i => (long)i), ids.Skip(11));
        Assert.Single(ids, 1L);
    }

    [Fact]
    public async Task A_late_commit_older_than_the_look_back_window_is_found_by_the_periodic_search_and_sent_once()
    {
        await using var h = await PollerHarness.CreateAsync();
        // Started an hour ago: from then on the poller knows every row it sent.
        h.Options.FirstStart = DateTimeOffset.UtcNow.AddHours(-1).ToString("O");
        h.Options.LookBack = TimeSpan.FromSeconds(1);
        h.Options.LateCommitCheckInterval = TimeSpan.Zero;
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        var t = NowMs;
        await h.Db.InsertRangeAsync(firstId: 1, count: 10, firstMs: t, stepMs: 1);
        Assert.Equal(10, await poller.PollOnceAsync(CancellationToken.None));

        // Committed now, stamped ten minutes ago: far behind the cursor and the look-back window.
        await h.Db.InsertRangeAsync(firstId: 500, count: 1, firstMs: t - 600_000, stepMs: 0);
        Assert.Equal(1, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(0, await poller.PollOnceAsync(CancellationToken.None));

        Assert.Equal([.. Enumerable.Range(1, 10).Select(i => (long)i), 500L], ParsedCef.EventIds(sender.Flushed));
        Assert.Equal(1, poller.Counters.LateRows);
        Assert.Equal(new AnnotationCursor(t + 9, 10), poller.Cursor);
    }

    [Fact]
    public async Task The_late_commit_search_does_not_send_rows_from_before_the_first_start()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.FirstStart = "now";
        h.Options.LateCommitCheckInterval = TimeSpan.Zero;
        await h.Db.InsertRangeAsync(firstId: 1, count: 50, firstMs: NowMs - 1_800_000, stepMs: 1000);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);

        Assert.Equal(0, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(0, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Empty(sender.Flushed);
    }

    [Fact]
    public async Task Rows_with_no_modification_time_which_no_poll_reaches_are_counted()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.FirstStart = "now";
        await h.Db.InsertRangeAsync(firstId: 40, count: 3, firstMs: 0, stepMs: 0);
        await h.Db.InsertRangeAsync(firstId: 50, count: 2, firstMs: HourAgoMs, stepMs: 0);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);

        Assert.Equal(0, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(3, poller.Counters.RowsWithoutTime);
        Assert.Empty(sender.Flushed);
    }

    [Fact]
    public async Task After_a_crash_the_reported_gap_counts_only_the_versions_never_sent()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 7, count: 1, firstMs: HourAgoMs, stepMs: 0);
        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET version = 4 WHERE event_id = 7");
        var sender = new RecordingSyslogSender();
        await using (var first = h.CreatePoller(sender))
        {
            // A clean run: the version memory's snapshot says 4.
            Assert.True(await first.PollOnceWithRetryAsync(1, CancellationToken.None));
        }
        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET version = 6, modification_time = modification_time + 10 WHERE event_id = 7");
        var crashed = h.CreatePoller(sender);
        // Version 6 is sent and committed; then the process dies (no clean stop writes a snapshot).
        Assert.Equal(1, await crashed.PollOnceAsync(CancellationToken.None));
        await crashed.DisposeAsync();

        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET version = 8, modification_time = modification_time + 10 WHERE event_id = 7");
        await using var restarted = h.CreatePoller(sender);
        Assert.Equal(1, await restarted.PollOnceAsync(CancellationToken.None));

        Assert.Equal(["4", "6", "8"], sender.Flushed.Select(l => ParsedCef.Parse(l)["cn1"]));
        Assert.Equal("1", ParsedCef.Parse(sender.Flushed[2])["cs5"]);
        Assert.Equal(1, restarted.Counters.MissedVersions);
    }
}
