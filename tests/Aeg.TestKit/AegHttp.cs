using System.Net;
using System.Net.Http.Headers;
using Aeg.Daemon;
using Aeg.HttpEndpoint;
using Aeg.Metrics;

namespace Aeg.TestKit;

/// <summary>The HTTP endpoint (<see cref="AegHttpServer"/>) started in the test process, and requests to it.</summary>
internal static class AegHttp
{
    private static readonly Serilog.ILogger Log = new Serilog.LoggerConfiguration().CreateLogger();

    /// <summary>Starts the endpoint on a free loopback port over the metrics and checks of <paramref name="parts"/>.</summary>
    public static Task<AegHttpServer> StartAsync(DaemonParts parts, string? token = null, HttpOptions? options = null) =>
        AegHttpServer.StartAsync(options ?? new HttpOptions { Enabled = true, Port = 0 }, "aeg.yaml",
            DaemonTelemetry.MetricsSources(parts), DaemonTelemetry.HealthChecks(parts), token, Log);

    /// <summary>GET with an optional bearer token.</summary>
    public static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(AegHttpServer server, string path, string? token = null)
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

    /// <summary>GET /metrics, parsed strictly; every family is named aeg_*, typed and documented.</summary>
    public static async Task<PrometheusPage> ScrapeAsync(AegHttpServer server)
    {
        var (status, body, response) = await GetAsync(server, "/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(PrometheusTextWriter.ContentType, response.Content.Headers.ContentType?.ToString());
        return PrometheusTextParser.ParseAeg(body);
    }
}
