using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;

namespace Aeg.IntegrationTests.HttpEndpoint;

/// <summary><c>aeg run</c> as a process with <c>http.enabled</c>: the endpoint a Prometheus would scrape.</summary>
public sealed partial class AegRunHttpProcessTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Aeg_run_serves_metrics_and_readiness_behind_a_token_read_from_a_file()
    {
        const string token = "scrape-token-from-file-42";
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(1, 7, 1_700_000_000_000, 10);
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var tokenFile = Path.Combine(h.StateDirectory, "scrape-token");
        File.WriteAllText(tokenFile, token + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var o = h.Db.Options;
        var config = Path.Combine(h.StateDirectory, "aeg.yaml");
        File.WriteAllText(config, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: AEG_HTTP_DB_PASSWORD, sslMode: None }
            poller: { firstStart: beginning, interval: 1s }
            state: { directory: {{h.StateDirectory}} }
            syslog: { host: 127.0.0.1, port: {{((IPEndPoint)receiver.Client.LocalEndPoint!).Port}}, protocol: udp }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            http: { enabled: true, port: 0, tokenFile: scrape-token }
            """);

        using var child = AegProcess.Start(["run", "--config", config], new Dictionary<string, string> { ["AEG_HTTP_DB_PASSWORD"] = h.Db.Password });
        try
        {
            Match endpoint = Match.Empty;
            await WaitUntil.HoldsAsync(() => (endpoint = EndpointLine().Match(child.Output)).Success || child.HasExited,
                "the HTTP endpoint to be logged", Deadline, () => child.Output);
            Assert.True(endpoint.Success, $"no HTTP endpoint logged: {child.Output}");
            var baseUrl = $"http://{endpoint.Groups[1].Value}";
            using var client = new HttpClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(baseUrl + "/metrics")).StatusCode);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            PrometheusPage page = null!;
            await WaitUntil.HoldsAsync(async () =>
            {
                var response = await client.GetAsync(baseUrl + "/metrics");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                page = PrometheusTextParser.Parse(await response.Content.ReadAsStringAsync());
                return page.Value("aeg_annotation_events_sent_total") == 7;
            }, "7 events to be sent", Deadline, () => child.Output, every: TimeSpan.FromMilliseconds(50));
            Assert.Equal(7, page.Value("aeg_annotation_rows_polled_total"));
            Assert.Equal(7, page.Value("aeg_syslog_messages_sent_total"));
            var ready = await client.GetAsync(baseUrl + "/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("ready\ndatabase: ok\nstate_directory: ok\nsyslog_destination: ok\nannotation_quarantine: ok\n", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            await child.SignalAsync("TERM");
            await child.WaitForExitAsync(Deadline);
        }
        Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}: {child.Output}");
        Assert.DoesNotContain(token, child.Output);
        Assert.DoesNotContain(h.Db.Password, child.Output);
    }

    [GeneratedRegex(@"HTTP endpoint on http://(127\.0\.0\.1:\d+)/")]
    private static partial Regex EndpointLine();
}
