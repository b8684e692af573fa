using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
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

        var psi = AegBinary.StartInfo(["run", "--config", config]);
        psi.Environment["AEG_HTTP_DB_PASSWORD"] = h.Db.Password;
        using var child = Process.Start(psi)!;
        var output = new StringBuilder();
        void Collect(object? _, DataReceivedEventArgs e)
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        }
        child.ErrorDataReceived += Collect;
        child.OutputDataReceived += Collect;
        child.BeginErrorReadLine();
        child.BeginOutputReadLine();
        string Output()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
        try
        {
            var watch = Stopwatch.StartNew();
            Match endpoint;
            while (!(endpoint = EndpointLine().Match(Output())).Success)
            {
                Assert.True(watch.Elapsed < Deadline && !child.HasExited, $"no HTTP endpoint logged: {Output()}");
                await Task.Delay(20);
            }
            var baseUrl = $"http://{endpoint.Groups[1].Value}";
            using var client = new HttpClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(baseUrl + "/metrics")).StatusCode);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            PrometheusPage page;
            while (true)
            {
                var response = await client.GetAsync(baseUrl + "/metrics");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                page = PrometheusTextParser.Parse(await response.Content.ReadAsStringAsync());
                if (page.Value("aeg_annotation_events_sent_total") == 7)
                {
                    break;
                }
                Assert.True(watch.Elapsed < Deadline, $"7 events were not sent: {Output()}");
                await Task.Delay(50);
            }
            Assert.Equal(7, page.Value("aeg_annotation_rows_polled_total"));
            Assert.Equal(7, page.Value("aeg_syslog_messages_sent_total"));
            var ready = await client.GetAsync(baseUrl + "/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("ready\ndatabase: ok\nstate_directory: ok\nsyslog_destination: ok\n", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            using (var term = Process.Start("kill", ["-TERM", child.Id.ToString()]))
            {
                await term.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(Deadline);
            await child.WaitForExitAsync(timeout.Token);
        }
        Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}: {Output()}");
        Assert.DoesNotContain(token, Output());
        Assert.DoesNotContain(h.Db.Password, Output());
    }

    [GeneratedRegex(@"HTTP endpoint on http://(127\.0\.0\.1:\d+)/")]
    private static partial Regex EndpointLine();
}
