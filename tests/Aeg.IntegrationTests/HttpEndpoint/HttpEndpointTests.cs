using System.Net;
using System.Net.Sockets;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.HttpEndpoint;
using Aeg.IntegrationTests.Annotations;
using Aeg.Syslog;
using static Aeg.TestKit.AegHttp;

namespace Aeg.IntegrationTests.HttpEndpoint;

/// <summary>The HTTP endpoint over real sockets, with a real poller against MariaDB and real syslog sockets.</summary>
public sealed class HttpEndpointTests
{
    private static readonly Serilog.ILogger Log = new Serilog.LoggerConfiguration().CreateLogger();

    [Fact]
    public async Task Metrics_after_a_real_poll_parse_strictly_and_equal_the_counters_and_the_datagrams_received()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(1, 25, 1_700_000_000_000, 10);
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var received = 0;
        using var stopReceiving = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            while (!stopReceiving.IsCancellationRequested)
            {
                await receiver.ReceiveAsync(stopReceiving.Token);
                Interlocked.Increment(ref received);
            }
        });
        await using var sender = SyslogSenderFactory.Create(new SyslogOutputOptions { Port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port }, Log);
        await using var poller = h.CreatePoller(sender);
        await using var server = await StartAsync(new DaemonParts(poller, sender));

        Assert.True(await poller.PollOnceWithRetryAsync(1, CancellationToken.None));
        // Event 1 edited twice between two polls: version 1 → 3 is one gap of one missed version.
        await h.Db.ExecuteAsync("UPDATE arc_event_annotation SET version = 3, modification_time = 1700000001000 WHERE event_id = 1");
        Assert.True(await poller.PollOnceWithRetryAsync(1, CancellationToken.None));
        await WaitUntil.HoldsAsync(() => Volatile.Read(ref received) == 26, "26 datagrams at the receiver");

        var page = await ScrapeAsync(server);
        var c = poller.Counters;
        Assert.Equal(26, c.RowsPolled);
        Assert.Equal(c.RowsPolled, page.Value("aeg_annotation_rows_polled_total"));
        Assert.Equal(26, c.EventsSent);
        Assert.Equal(c.EventsSent, page.Value("aeg_annotation_events_sent_total"));
        Assert.Equal(received, page.Value("aeg_syslog_messages_sent_total"));
        Assert.Equal(sender.Stats.BytesSent, page.Value("aeg_syslog_sent_bytes_total"));
        Assert.Equal(1, c.VersionGaps);
        Assert.Equal(c.VersionGaps, page.Value("aeg_annotation_version_gaps_total"));
        Assert.Equal(c.MissedVersions, page.Value("aeg_annotation_missed_versions_total"));
        Assert.Equal(c.Batches, page.Value("aeg_annotation_batches_total"));
        Assert.Equal(0, page.Value("aeg_annotation_send_failures_total"));
        Assert.Equal(0, page.Value("aeg_annotation_database_failures_total"));
        // The scrape happened after the last poll, which caught up: rows from 2023, but no lag.
        Assert.Equal(c.CursorLagMs / 1000.0, page.Value("aeg_annotation_cursor_lag_seconds"));
        Assert.Equal(0, page.Value("aeg_annotation_cursor_lag_seconds"));

        var (status, body, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready\ndatabase: ok\nstate_directory: ok\nsyslog_destination: ok\nannotation_quarantine: ok\n", body);

        await stopReceiving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiving);
    }

    [Fact]
    public async Task Readyz_is_503_while_the_database_is_unreachable_and_200_once_a_read_succeeds_again()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(1, 3, 1_700_000_000_000, 10);
        var port = FreePorts.Tcp();
        var unreachable = new DatabaseOptions
        {
            Host = "127.0.0.1",
            Port = port,
            Database = h.Db.Options.Database,
            User = h.Db.Options.User,
            SslMode = "None",
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender, new AnnotationDatabase(unreachable, h.Db.Password));
        await using var server = await StartAsync(new DaemonParts(poller, sender));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, "/readyz")).Status);

        Assert.False(await poller.PollOnceWithRetryAsync(1, CancellationToken.None));
        var (status, body, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith("not ready\ndatabase: not ready (", body);
        Assert.Contains("state_directory: ok", body);
        Assert.DoesNotContain(h.Db.Password, body);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, "/healthz")).Status);
        var down = await ScrapeAsync(server);
        Assert.Equal(0, down.Value("aeg_health_ready", ("check", "database")));
        Assert.Equal(1, down.Value("aeg_health_ready", ("check", "state_directory")));

        // The same port now leads to the real MariaDB.
        await using (TcpRelay.Start(port, h.Db.Options.Host, h.Db.Options.Port))
        {
            Assert.True(await poller.PollOnceWithRetryAsync(1, CancellationToken.None));
            var (after, afterBody, _) = await GetAsync(server, "/readyz");
            Assert.Equal(HttpStatusCode.OK, after);
            Assert.Contains("database: ok", afterBody);
            Assert.Equal(1, (await ScrapeAsync(server)).Value("aeg_health_ready", ("check", "database")));
            Assert.Equal(3, sender.Flushed.Count);
        }
    }

    [Fact]
    public async Task Readyz_is_503_while_the_cursor_cannot_be_written_and_200_after_a_write_succeeds()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(1, 3, 1_700_000_000_000, 10);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        await using var server = await StartAsync(new DaemonParts(poller, sender));
        // A directory where the cursor's temp file must go: the write fails even for root.
        var blocker = Directory.CreateDirectory(Path.Combine(h.StateDirectory, "annotation-state.json.tmp"));

        Assert.False(await poller.PollOnceWithRetryAsync(1, CancellationToken.None));
        var (status, body, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("state_directory: not ready (cursor write failed: ", body);
        Assert.Contains("database: ok", body);
        Assert.Equal(0, poller.Counters.Batches);

        blocker.Delete();
        Assert.True(await poller.PollOnceWithRetryAsync(1, CancellationToken.None));
        var (after, afterBody, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Contains("state_directory: ok", afterBody);
        Assert.Equal(1, poller.Counters.Batches);
    }

    [Fact]
    public async Task Readyz_is_503_while_the_syslog_destination_fails_and_200_after_a_batch_is_flushed()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(1, 3, 1_700_000_000_000, 10);
        var sender = new RecordingSyslogSender { FailAfter = 0 };
        await using var poller = h.CreatePoller(sender);
        await using var server = await StartAsync(new DaemonParts(poller, sender));

        Assert.False(await poller.PollOnceWithRetryAsync(1, CancellationToken.None));
        var (status, body, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("syslog_destination: not ready (test sender: destination down)", body);

        sender.FailAfter = null;
        Assert.True(await poller.PollOnceWithRetryAsync(1, CancellationToken.None));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, "/readyz")).Status);
    }
}
