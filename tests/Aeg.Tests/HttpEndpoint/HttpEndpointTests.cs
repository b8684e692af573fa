using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Health;
using Aeg.HttpEndpoint;
using Aeg.Metrics;
using Aeg.Rules;
using Aeg.Syslog;
using Aeg.Tests.Rules;
using static Aeg.TestKit.AegHttp;

namespace Aeg.Tests.HttpEndpoint;

/// <summary>The HTTP endpoint over real sockets: tokens, addresses, listener and ticket metrics, failing sources.</summary>
public sealed class HttpEndpointTests
{
    private static readonly Serilog.ILogger Log = new Serilog.LoggerConfiguration().CreateLogger();

    [Fact]
    public async Task Listener_and_ticket_metrics_count_each_sender_s_messages_over_a_real_tcp_connection()
    {
        using var files = new RuleTestFiles();
        var config = files.WriteListenerConfig();
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
        await WaitUntil.HoldsAsync(() => pipeline.Listeners.Senders.Snapshot().Sum(s => s.Parsed + s.Rejected) == 3, "3 messages handled");

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
        var ex = await Assert.ThrowsAsync<ConfigException>(() => AegHttpServer.StartIfEnabledAsync(options.Http, "aeg.yaml", [], [], Log));
        Assert.Contains(ex.Problems, p => p.Key == "http.tokenEnv" && p.Reason.Contains("is not set"));

        Environment.SetEnvironmentVariable(variable, "from-the-env-1234");
        try
        {
            await using var server = await AegHttpServer.StartIfEnabledAsync(options.Http, "aeg.yaml", [], [], Log);
            Assert.NotNull(server);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(server, "/healthz")).Status);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, "/healthz", "from-the-env-1234")).Status);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        Assert.Null(await AegHttpServer.StartIfEnabledAsync(new HttpOptions(), "aeg.yaml", [], [], Log));
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
        var sink = new LogCapture();
        var wildcard = new HttpOptions { Address = "0.0.0.0", Port = 0 };
        await using (var open = await AegHttpServer.StartAsync(wildcard, "aeg.yaml", [], [], null, sink.Logger))
        {
            Assert.Equal(IPAddress.Any, open.LocalEndPoint.Address);
            using var client = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{open.LocalEndPoint.Port}/healthz")).StatusCode);
        }
        Assert.Contains(sink.Lines(Serilog.Events.LogEventLevel.Warning), l => l.Contains("reachable from other machines and no token is set"));

        var quiet = new LogCapture();
        await using (await AegHttpServer.StartAsync(wildcard, "aeg.yaml", [], [], "a-token-123", quiet.Logger))
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
