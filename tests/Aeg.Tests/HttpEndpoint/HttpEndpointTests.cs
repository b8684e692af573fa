using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Health;
using Aeg.HttpEndpoint;
using Aeg.Metrics;
using Aeg.Rules;
using Aeg.Syslog;
using Aeg.Tests.Annotations;
using Aeg.Tests.Listener;
using Aeg.Tests.Rules;

namespace Aeg.Tests.HttpEndpoint;

/// <summary>The HTTP endpoint over real sockets, with a real poller against MariaDB and real syslog sockets.</summary>
public sealed class HttpEndpointTests
{
    private static readonly Serilog.ILogger Log = new Serilog.LoggerConfiguration().CreateLogger();

    private static Task<AegHttpServer> StartAsync(DaemonParts parts, string? token = null, HttpOptions? options = null) =>
        AegHttpServer.StartAsync(options ?? new HttpOptions { Enabled = true, Port = 0 }, "aeg.yaml",
            DaemonTelemetry.MetricsSources(parts), DaemonTelemetry.HealthChecks(parts), token, Log);

    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(AegHttpServer server, string path, string? token = null)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{server.LocalEndPoint}{path}");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static async Task<PrometheusPage> ScrapeAsync(AegHttpServer server)
    {
        var (status, body, response) = await GetAsync(server, "/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(PrometheusTextWriter.ContentType, response.Content.Headers.ContentType?.ToString());
        var page = PrometheusTextParser.Parse(body);
        foreach (var family in page.Families.Values)
        {
            Assert.StartsWith("aeg_", family.Name);
            Assert.NotNull(family.Type);
            Assert.False(string.IsNullOrWhiteSpace(family.Help), $"{family.Name} has no HELP");
            Assert.True(family.Type != "counter" || family.Name.EndsWith("_total", StringComparison.Ordinal), $"counter {family.Name} does not end in _total");
        }
        return page;
    }

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
        await Eventually.HoldsAsync(() => Volatile.Read(ref received) == 26, "26 datagrams at the receiver");

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
        // The scrape happened after the last poll, so the gauge shows the lag that poll left.
        Assert.Equal(c.CursorLagMs / 1000.0, page.Value("aeg_annotation_cursor_lag_seconds"));
        Assert.True(page.Value("aeg_annotation_cursor_lag_seconds") > 86_400, "rows from 2023 are more than a day behind");

        var (status, body, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready\ndatabase: ok\nstate_directory: ok\nsyslog_destination: ok\n", body);

        await stopReceiving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiving);
    }

    [Fact]
    public async Task Listener_and_ticket_metrics_count_each_sender_s_messages_over_a_real_tcp_connection()
    {
        using var files = new RuleTestFiles();
        var config = files.Write("aeg.yaml", $"""
            mappings: {TestServices.RepoFile("cef-mappings.yaml")}
            state:
              directory: {files.Directory}/state
            listen:
              listeners: [{"{"} protocol: tcp, address: 127.0.0.1, port: 0 {"}"}]
            """);
        await using var pipeline = CefTicketPipeline.Create(AegConfig.Load(config), config, Log);
        await using var server = await StartAsync(new DaemonParts(Pipeline: pipeline));
        var (notYet, notYetBody, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notYet);
        Assert.Contains("listeners: not ready (not bound: tcp/127.0.0.1:0)", notYetBody);

        await pipeline.StartAsync();
        var listener = pipeline.Listeners.Listeners[0];
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(listener.LocalEndPoint!);
            var lines = "CEF:0|V|P|1|sig|one|5|src=10.0.0.1\nCEF:0|V|P|1|sig|two|5|src=10.0.0.2\nnot cef at all\n"u8.ToArray();
            await client.GetStream().WriteAsync(lines);
        }
        await Eventually.HoldsAsync(() => pipeline.Listeners.Senders.Snapshot().Sum(s => s.Parsed + s.Rejected) == 3, "3 messages handled");

        var page = await ScrapeAsync(server);
        var label = ("listener", $"tcp/{listener.LocalEndPoint}");
        Assert.Equal(3, page.Value("aeg_listener_frames_total", label));
        Assert.Equal(1, page.Value("aeg_listener_connections_accepted_total", label));
        Assert.Equal(listener.Counters.Bytes, page.Value("aeg_listener_received_bytes_total", label));
        Assert.Equal(3, page.Value("aeg_listener_messages_received_total", ("sender", "127.0.0.1")));
        Assert.Equal(2, page.Value("aeg_listener_messages_parsed_total", ("sender", "127.0.0.1")));
        Assert.Equal(1, page.Value("aeg_listener_messages_rejected_total", ("sender", "127.0.0.1")));
        Assert.Equal(0, page.Value("aeg_listener_messages_matched_total", ("sender", "127.0.0.1")));
        Assert.Equal(0, page.Value("aeg_ticket_actions_total", ("outcome", "created")));
        Assert.Equal(pipeline.Queue.Capacity, page.Value("aeg_ticket_queue_capacity"));
        Assert.Equal(1, page.Value("aeg_build_info", ("version", page.Families["aeg_build_info"].Samples[0].Labels["version"])));

        var (ready, readyBody, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal("ready\nlisteners: ok (1 bound)\n", readyBody);
    }

    [Fact]
    public async Task Readyz_is_503_while_the_database_is_unreachable_and_200_once_a_read_succeeds_again()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(1, 3, 1_700_000_000_000, 10);
        var port = TcpRelay.FreePort();
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

    [Fact]
    public async Task With_a_token_every_endpoint_answers_401_without_it_or_with_a_wrong_one_and_200_with_it()
    {
        const string token = "s3cret-scrape-token";
        await using var server = await StartAsync(new DaemonParts(), token);
        foreach (var path in new[] { "/metrics", "/healthz", "/readyz" })
        {
            var (none, noneBody, noneResponse) = await GetAsync(server, path);
            Assert.Equal(HttpStatusCode.Unauthorized, none);
            Assert.Equal("Bearer", noneResponse.Headers.WwwAuthenticate.Single().Scheme);
            Assert.DoesNotContain(token, noneBody);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(server, path, "s3cret-scrape-toke")).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(server, path, token + "x")).Status);
            var (ok, okBody, _) = await GetAsync(server, path, token);
            Assert.Equal(HttpStatusCode.OK, ok);
            Assert.DoesNotContain(token, okBody);
        }
    }

    [Fact]
    public async Task The_token_comes_from_the_environment_and_a_missing_variable_stops_the_start_naming_the_key()
    {
        var variable = "AEG_TEST_HTTP_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        var options = new AegOptions { Http = new HttpOptions { Enabled = true, Port = 0, TokenEnv = variable } };
        var ex = await Assert.ThrowsAsync<ConfigException>(() => AegHttpServer.StartIfEnabledAsync(options, "aeg.yaml", new DaemonParts(), Log));
        Assert.Contains(ex.Problems, p => p.Key == "http.tokenEnv" && p.Reason.Contains("is not set"));

        Environment.SetEnvironmentVariable(variable, "from-the-env-1234");
        try
        {
            await using var server = await AegHttpServer.StartIfEnabledAsync(options, "aeg.yaml", new DaemonParts(), Log);
            Assert.NotNull(server);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(server, "/healthz")).Status);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, "/healthz", "from-the-env-1234")).Status);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        Assert.Null(await AegHttpServer.StartIfEnabledAsync(new AegOptions(), "aeg.yaml", new DaemonParts(), Log));
    }

    [Fact]
    public async Task By_default_it_binds_loopback_only()
    {
        await using var server = await StartAsync(new DaemonParts());
        Assert.Equal(IPAddress.Loopback, server.LocalEndPoint.Address);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, "/healthz")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(server, "/other")).Status);

        // Through any non-loopback address of this machine the port is closed.
        var external = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (external is not null)
        {
            using var client = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(external, server.LocalEndPoint.Port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    }

    [Fact]
    public async Task A_port_in_use_stops_the_start_with_the_key_and_the_address()
    {
        await using var first = await StartAsync(new DaemonParts());
        var ex = await Assert.ThrowsAsync<ConfigException>(() => StartAsync(new DaemonParts(), options: new HttpOptions { Port = first.LocalEndPoint.Port }));
        Assert.Contains(ex.Problems, p => p.Key == "http.port" && p.Reason.Contains($"127.0.0.1:{first.LocalEndPoint.Port}"));
    }

    [Fact]
    public async Task A_non_loopback_address_without_a_token_is_served_with_a_warning_and_with_a_token_without_one()
    {
        var sink = new CapturingSink();
        var wildcard = new HttpOptions { Address = "0.0.0.0", Port = 0 };
        await using (var open = await AegHttpServer.StartAsync(wildcard, "aeg.yaml", [], [], null, sink.Logger()))
        {
            Assert.Equal(IPAddress.Any, open.LocalEndPoint.Address);
            using var client = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{open.LocalEndPoint.Port}/healthz")).StatusCode);
        }
        Assert.Contains(sink.Lines(Serilog.Events.LogEventLevel.Warning), l => l.Contains("reachable from other machines and no token is set"));

        var quiet = new CapturingSink();
        await using (await AegHttpServer.StartAsync(wildcard, "aeg.yaml", [], [], "a-token-123", quiet.Logger()))
        {
        }
        Assert.Empty(quiet.Lines(Serilog.Events.LogEventLevel.Warning));
        Assert.DoesNotContain(quiet.Events, e => e.RenderMessage().Contains("a-token-123"));
    }

    [Fact]
    public async Task An_address_this_machine_does_not_have_stops_the_start_with_the_key_and_the_reason()
    {
        // 203.0.113.0/24 is reserved for documentation: no interface here carries it.
        var ex = await Assert.ThrowsAsync<ConfigException>(() => StartAsync(new DaemonParts(), options: new HttpOptions { Address = "203.0.113.7", Port = 0 }));
        Assert.Contains(ex.Problems, p => p.Key == "http.port" && p.Reason.StartsWith("cannot listen on 203.0.113.7:0: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_health_check_or_metrics_source_answers_503_or_500_without_a_partial_page()
    {
        await using var server = await AegHttpServer.StartAsync(new HttpOptions { Port = 0 }, "aeg.yaml",
            [new ProcessMetrics(), new ThrowingSource()], [new ThrowingCheck()], null, Log);
        var (metrics, metricsBody, _) = await GetAsync(server, "/metrics");
        Assert.Equal(HttpStatusCode.InternalServerError, metrics);
        Assert.DoesNotContain("aeg_build_info", metricsBody);
        var (ready, readyBody, _) = await GetAsync(server, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        Assert.Equal("not ready\nbroken: not ready (the check failed: InvalidOperationException)\n", readyBody);
    }

    private sealed class ThrowingSource : IMetricsSource
    {
        public void WriteTo(PrometheusTextWriter writer) => throw new InvalidOperationException("password=hunter2");
    }

    private sealed class ThrowingCheck : IHealthCheck
    {
        public string Name => "broken";
        public HealthStatus Check() => throw new InvalidOperationException("password=hunter2");
    }
}
