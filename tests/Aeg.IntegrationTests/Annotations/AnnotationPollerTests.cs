using System.Data.Common;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;
using Aeg.Syslog;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>The poller against the real MariaDB, with an in-memory sender (syslog end to end is in AnnotationEndToEndTests).</summary>
public sealed class AnnotationPollerTests
{
    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private static readonly long HourAgoMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    [Fact]
    public async Task Many_rows_in_the_same_millisecond_all_arrive_once_across_batches()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = 1000;
        await h.Db.InsertRangeAsync(firstId: 1, count: 2500, firstMs: HourAgoMs, stepMs: 0);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);

        Assert.Equal(2500, await poller.PollOnceAsync(CancellationToken.None));

        Assert.Equal(Enumerable.Range(1, 2500).Select(i => (long)i), ParsedCef.EventIds(sender.Flushed));
        Assert.Equal(3, poller.Counters.Batches);
        Assert.Equal(new AnnotationCursor(HourAgoMs, 2500), h.StateFile.Load()!.Cursor);
        Assert.Equal(0, await poller.PollOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_backlog_of_20000_rows_drains_in_batches_with_every_row_once()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = 1000;
        await h.Db.InsertRangeAsync(firstId: 100_000, count: 20_000, firstMs: HourAgoMs - 20_000, stepMs: 1);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);

        Assert.Equal(20_000, await poller.PollOnceAsync(CancellationToken.None));

        var ids = ParsedCef.EventIds(sender.Flushed);
        Assert.Equal(Enumerable.Range(100_000, 20_000).Select(i => (long)i), ids);
        Assert.Equal(20, poller.Counters.Batches);
        Assert.Equal(20_000, poller.Counters.RowsPolled);
    }

    [Fact]
    public async Task A_late_commit_with_an_older_timestamp_inside_the_look_back_window_arrives_exactly_once()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.LookBack = TimeSpan.FromMinutes(10);
        var t = NowMs;
        await h.Db.InsertRangeAsync(firstId: 1, count: 10, firstMs: t - 10, stepMs: 1);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        Assert.Equal(10, await poller.PollOnceAsync(CancellationToken.None));

        // Committed after the poll, stamped before the cursor (a transaction that took a while).
        await h.Db.InsertRangeAsync(firstId: 500, count: 1, firstMs: t - 60_000, stepMs: 0);
        // Same millisecond as the cursor, smaller event id: behind the keyset cursor too.
        await h.Db.InsertRangeAsync(firstId: 0, count: 1, firstMs: t - 1, stepMs: 0);

        Assert.Equal(2, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(0, await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(2, poller.Counters.LateRows);

        // A restarted poller remembers the window from the state file: nothing is sent again.
        await poller.DisposeAsync();
        await using var restarted = h.CreatePoller(sender);
        Assert.Equal(0, await restarted.PollOnceAsync(CancellationToken.None));

        var ids = ParsedCef.EventIds(sender.Flushed);
        Assert.Equal(12, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains(500L, ids);
        Assert.Contains(0L, ids);
    }

    [Fact]
    public async Task Special_characters_long_audit_trail_nulls_and_names_survive_the_trip()
    {
        await using var h = await PollerHarness.CreateAsync();
        var comment = "a|b=c\\d\nline 2\r\nüñí 日本語 = \\n";
        var line = "2,1795000000123,alice,Follow-Up,,,,\r\n";
        var trail = string.Concat(Enumerable.Repeat(line, 2048 / line.Length + 1))[..2048];
        await h.Db.ExecuteAsync("INSERT INTO arc_resource VALUES (100, 2, 'alice', NULL), (101, 2, 'bøb', NULL)");
        await h.Db.ExecuteAsync("""
            INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, stage_update_time,
              stage_user, current_comment, audit_trail, flags, end_time, manager_receipt_time)
            VALUES (1, 2, @t, 100, 3, @t, 101, @c, @a, 3, @t - 5, @t - 7),
                   (2, 1, @t, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL)
            """, ("@t", HourAgoMs), ("@c", comment), ("@a", trail));
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        Assert.Equal(2, await poller.PollOnceAsync(CancellationToken.None));

        var full = ParsedCef.Parse(sender.Flushed[0]);
        Assert.Equal(comment, full["cs2"]);
        Assert.Equal(trail, full["cs1"]);
        Assert.Equal(2048, full["cs1"].Length);
        Assert.Equal("alice", full["duser"]);
        Assert.Equal("Follow-Up", full["cs3"]);
        Assert.Equal("Is Reviewed,In Case", full["cs4"]);
        Assert.Equal("3", full["cn3"]);
        Assert.Equal("2", full["cn1"]);
        Assert.Equal("1", full["cn2"]);
        Assert.Equal(HourAgoMs.ToString(), full["deviceCustomDate1"]);
        Assert.Equal((HourAgoMs - 7).ToString(), full["deviceCustomDate2"]);
        Assert.Equal("aeg-test.example.com", full["shost"]);

        var nulls = ParsedCef.Parse(sender.Flushed[1]);
        Assert.Equal("2", nulls["cn2"]);
        Assert.Equal("", nulls.Extensions.GetValueOrDefault("cs4", ""));
        foreach (var key in new[] { "duser", "cs1", "cs2", "cs3", "deviceCustomDate2" })
        {
            Assert.False(nulls.Extensions.ContainsKey(key), $"{key} should be absent for a NULL column");
        }
    }

    [Fact]
    public async Task A_site_table_with_datetime_columns_and_plain_names_is_read_per_configuration()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.ExecuteAsync("""
            CREATE TABLE site_annotations (id BIGINT PRIMARY KEY, ver INT, changed DATETIME(3), who VARCHAR(50),
              stage_name VARCHAR(50), note TEXT, mrt DATETIME(3) NULL, KEY (changed, id));
            INSERT INTO site_annotations VALUES
              (5, 1, '2026-11-01 10:00:00.123', 'carol', 'Initial', 'n1', '2026-11-01 09:59:00.000'),
              (6, 2, '2026-11-01 10:00:00.123', 'dave', 'Closed', 'n2', NULL),
              (4, 1, '2026-11-01 10:00:01.000', 'erin', NULL, NULL, NULL);
            """);
        h.Options.FirstStart = "2026-11-01T10:00:00Z";
        h.Source.Table = "site_annotations";
        h.Source.TimeKind = Aeg.Configuration.TimeKind.Datetime;
        h.Source.StageLookup = null;
        h.Source.UserLookup = null;
        h.Source.Columns = new Aeg.Configuration.SourceColumns
        {
            EventId = "id",
            Version = "ver",
            ModificationTime = "changed",
            ModifiedBy = "who",
            Stage = "stage_name",
            CurrentComment = "note",
            ManagerReceiptTime = "mrt",
            StageUpdateTime = null,
            StageUser = null,
            AuditTrail = null,
            Flags = null,
            EndTime = null,
        };
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        Assert.Equal(3, await poller.PollOnceAsync(CancellationToken.None));

        var events = sender.Flushed.Select(ParsedCef.Parse).ToList();
        Assert.Equal(["5", "6", "4"], events.Select(e => e["cn2"]));
        var t = new DateTimeOffset(2026, 11, 1, 10, 0, 0, 123, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal(t.ToString(), events[0]["deviceCustomDate1"]);
        Assert.Equal((t - 60_123).ToString(), events[0]["deviceCustomDate2"]);
        Assert.Equal("carol", events[0]["duser"]);
        Assert.Equal("Initial", events[0]["cs3"]);
        Assert.Equal("n1", events[0]["cs2"]);
        Assert.Equal("1", events[1].Header[Aeg.Cef.CefHeaderField.Severity]);
        Assert.Equal(new AnnotationCursor(t + 877, 4), h.StateFile.Load()!.Cursor);
    }

    [Fact]
    public async Task Stage_and_user_ids_resolve_through_the_lookup_table_unknown_ids_to_nothing_and_renames_from_the_next_cycle()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.ExecuteAsync($"""
            INSERT INTO arc_resource (id, resource_type, name, uri) VALUES (100, 2, 'alice', NULL);
            INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, flags) VALUES
              (1, 1, {HourAgoMs}, 100, 1, 0), (2, 1, {HourAgoMs + 1}, 404, 99, 0);
            """);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        Assert.Equal(2, await poller.PollOnceAsync(CancellationToken.None));

        var events = sender.Flushed.Select(ParsedCef.Parse).ToList();
        Assert.Equal("alice", events[0]["duser"]);
        Assert.Equal("Queued", events[0]["cs3"]);
        Assert.Equal("3", events[0].Header[Aeg.Cef.CefHeaderField.Severity]);
        // As with a LEFT JOIN: an id missing from the lookup table gives no name.
        Assert.False(events[1].Extensions.ContainsKey("duser"));
        Assert.False(events[1].Extensions.ContainsKey("cs3"));
        Assert.Equal("Unknown", events[1].Header[Aeg.Cef.CefHeaderField.Severity]);

        await h.Db.ExecuteAsync($"""
            UPDATE arc_resource SET name = 'alice.renamed' WHERE id = 100;
            INSERT INTO arc_resource (id, resource_type, name, uri) VALUES (404, 2, 'bob', NULL);
            INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, flags) VALUES
              (3, 1, {HourAgoMs + 2}, 100, 5, 0), (4, 1, {HourAgoMs + 3}, 404, 5, 0);
            """);
        Assert.Equal(2, await poller.PollOnceAsync(CancellationToken.None));
        events = sender.Flushed.Skip(2).Select(ParsedCef.Parse).ToList();
        Assert.Equal(["alice.renamed", "bob"], events.Select(e => e["duser"]));
        Assert.Equal(["Closed", "Closed"], events.Select(e => e["cs3"]));
    }

    [Fact]
    public async Task A_lookup_on_text_ids_falls_back_to_joins_and_still_resolves_names()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.ExecuteAsync($"""
            CREATE TABLE site_stages (code VARCHAR(10) PRIMARY KEY, title VARCHAR(50), path VARCHAR(100));
            INSERT INTO site_stages VALUES ('S-F', NULL, '/All Stages/Final'), ('S-I', 'Initial', '/All Stages/Initial');
            CREATE TABLE site_annotations (id BIGINT PRIMARY KEY, ver INT, changed BIGINT, stage_code VARCHAR(10), KEY (changed, id));
            INSERT INTO site_annotations VALUES (1, 1, {HourAgoMs}, 'S-I'), (2, 1, {HourAgoMs + 1}, 'S-F'), (3, 1, {HourAgoMs + 2}, 'S-X');
            """);
        h.Source.Table = "site_annotations";
        h.Source.StageLookup = new Aeg.Configuration.LookupOptions { Table = "site_stages", IdColumn = "code", NameColumn = "title", UriColumn = "path" };
        h.Source.UserLookup = null;
        h.Source.Columns = new Aeg.Configuration.SourceColumns
        {
            EventId = "id",
            Version = "ver",
            ModificationTime = "changed",
            Stage = "stage_code",
            ModifiedBy = null,
            StageUpdateTime = null,
            StageUser = null,
            CurrentComment = null,
            AuditTrail = null,
            Flags = null,
            EndTime = null,
            ManagerReceiptTime = null,
        };
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        Assert.Equal(3, await poller.PollOnceAsync(CancellationToken.None));

        var events = sender.Flushed.Select(ParsedCef.Parse).ToList();
        Assert.Equal("Initial", events[0]["cs3"]);
        // No name: taken from the URI's last segment.
        Assert.Equal("Final", events[1]["cs3"]);
        Assert.False(events[2].Extensions.ContainsKey("cs3"));
    }

    [Fact]
    public async Task A_version_jump_is_counted_and_marked_in_the_event()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 7, count: 1, firstMs: HourAgoMs, stepMs: 0);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        await poller.PollOnceAsync(CancellationToken.None);

        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET version = 4, modification_time = modification_time + 10 WHERE event_id = 7");
        await poller.PollOnceAsync(CancellationToken.None);
        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET version = 5, modification_time = modification_time + 10 WHERE event_id = 7");
        await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal(3, sender.Flushed.Count);
        var jumped = ParsedCef.Parse(sender.Flushed[1]);
        Assert.Equal("4", jumped["cn1"]);
        Assert.Equal("2", jumped["cs5"]);
        Assert.Equal("missed_versions", jumped["cs5Label"]);
        Assert.False(ParsedCef.Parse(sender.Flushed[0]).Extensions.ContainsKey("cs5"));
        Assert.False(ParsedCef.Parse(sender.Flushed[2]).Extensions.ContainsKey("cs5"));
        Assert.Equal(1, poller.Counters.VersionGaps);
        Assert.Equal(2, poller.Counters.MissedVersions);
    }

    [Fact]
    public async Task A_version_seen_before_a_restart_still_detects_the_gap_after_it()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 7, count: 1, firstMs: HourAgoMs, stepMs: 0);
        var sender = new RecordingSyslogSender();
        await using (var first = h.CreatePoller(sender))
        {
            Assert.True(await first.PollOnceWithRetryAsync(1, CancellationToken.None));
        }
        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET version = 3, modification_time = modification_time + 10 WHERE event_id = 7");
        await using var second = h.CreatePoller(sender);
        Assert.True(await second.PollOnceWithRetryAsync(1, CancellationToken.None));
        Assert.Equal("1", ParsedCef.Parse(sender.Flushed[1])["cs5"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_send_failure_keeps_the_cursor_at_the_last_flushed_batch_and_a_restart_resends_at_most_one_batch(bool deliveredBeforeFailure)
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = 1000;
        await h.Db.InsertRangeAsync(firstId: 1, count: 3000, firstMs: HourAgoMs, stepMs: 1);
        var sender = new RecordingSyslogSender { FailAfter = 1500, DeliverUnflushedOnFailure = deliveredBeforeFailure };
        await using (var poller = h.CreatePoller(sender))
        {
            await Assert.ThrowsAsync<SyslogSendException>(() => poller.PollOnceAsync(CancellationToken.None));
            Assert.Equal(new AnnotationCursor(HourAgoMs + 999, 1000), poller.Cursor);
            Assert.Equal(1, poller.Counters.SendFailures);
        }
        Assert.Equal(new AnnotationCursor(HourAgoMs + 999, 1000), h.StateFile.Load()!.Cursor);

        // "Process restarted": a fresh poller on the same state directory, destination back up.
        sender.FailAfter = null;
        await using var restarted = h.CreatePoller(sender);
        Assert.Equal(2000, await restarted.PollOnceAsync(CancellationToken.None));

        var ids = ParsedCef.EventIds(sender.Flushed);
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), ids.Distinct().Order());
        var duplicates = ids.Count - ids.Distinct().Count();
        Assert.Equal(deliveredBeforeFailure ? 500 : 0, duplicates);
        Assert.True(duplicates <= h.Options.BatchSize);
    }

    [Fact]
    public async Task Database_unreachable_fails_the_poll_without_moving_the_cursor_then_recovers()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 1, count: 50, firstMs: HourAgoMs, stepMs: 1);
        var options = h.Db.Options;
        var goodPort = options.Port;
        options.Port = FreePorts.Tcp();
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        var database = new AnnotationDatabase(options, h.Db.Password);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender, database);
        var before = h.StateFile.Load()!.Cursor;

        Assert.False(await poller.PollOnceWithRetryAsync(2, CancellationToken.None));
        Assert.Equal(before, h.StateFile.Load()!.Cursor);
        Assert.Empty(sender.Flushed);
        Assert.True(poller.Counters.DatabaseFailures >= 1);

        options.Port = goodPort;
        Assert.True(await poller.PollOnceWithRetryAsync(2, CancellationToken.None));
        Assert.Equal(50, sender.Flushed.Count);
    }

    [Fact]
    public async Task Connections_reset_in_the_middle_of_a_result_are_retried_and_no_row_is_lost()
    {
        await using var h = await PollerHarness.CreateAsync();
        // Three batches of ~1 KB rows, ~11 MB each; the relay resets every connection once 16 MB
        // came back, which is inside the second batch's result, whatever the read-ahead's timing.
        h.Options.BatchSize = 10_000;
        await h.Db.InsertRangeAsync(firstId: 1, count: 30_000, firstMs: HourAgoMs, stepMs: 1);
        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET current_comment = REPEAT('x', 1000)");
        var options = h.Db.Options;
        await using var relay = new CuttingTcpProxy(options.Host, options.Port, cutAfterServerBytes: 16_000_000);
        options.Port = relay.Port;
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender, new AnnotationDatabase(options, h.Db.Password));

        Assert.True(await poller.PollOnceWithRetryAsync(5, CancellationToken.None));

        Assert.True(relay.ConnectionsCut >= 1, "the relay should have reset the poller's connection");
        var ids = ParsedCef.EventIds(sender.Flushed);
        Assert.Equal(Enumerable.Range(1, 30_000).Select(i => (long)i), ids.Distinct().Order());
        Assert.True(poller.Counters.DatabaseFailures >= 1, $"the reset connection should have failed a read: {poller.Counters}");
    }
}
