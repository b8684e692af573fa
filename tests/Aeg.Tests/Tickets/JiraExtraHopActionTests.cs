using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Tickets;

/// <summary>Jira REST v2 and ExtraHop API v1 actions against in-process servers that follow the documented shapes, including 401, 404, 429 and 503.</summary>
public sealed class JiraExtraHopActionTests : IDisposable
{
    private const string JiraUser = "aeg@example.com", JiraApiToken = "jira-api-token-7Qx";
    private readonly LogCapture _log = new();
    private readonly TicketCounters _counters = new();

    public void Dispose() => _log.Dispose();

    private JiraTicketAction Jira(InProcessHttpServer server, int maxAttempts = 3) =>
        new(Http("jira", SystemOptions(TicketSystemType.Jira, server.BaseUrl, maxAttempts, TicketAuth.Basic, JiraUser),
            new TicketCredential(TicketAuth.Basic, JiraUser, JiraApiToken), _log.Logger, _counters), server.BaseUrl);

    private static Reply JiraCreated(string key) => new(201, $$"""{"id":"10001","key":"{{key}}","self":"http://jira/rest/api/2/issue/10001"}""");

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_creates_issue_and_adds_comment()
    {
        await using var server = await InProcessHttpServer.StartAsync((r, _) => r.Path switch
        {
            "/rest/api/2/issue" when r.Method == "POST" => JiraCreated("SOC-17"),
            "/rest/api/2/issue/SOC-17/comment" when r.Method == "POST" => new Reply(201, """{"id":"10100","body":"x"}"""),
            _ => new Reply(404, """{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}"""),
        });
        var jira = Jira(server);
        // Event text that tries to break out of the JSON string and set another project.
        var hostile = "scan from 10.1.2.3\",\"project\":{\"key\":\"EVIL\"},\"x\":\"\n\u0001";

        var result = await jira.CreateAsync(Fields(("project", "SOC"), ("issuetype", "Bug"), ("summary", hostile), ("description", "raw: CEF:0|a|b"), ("labels", "aeg, port scan")), CancellationToken.None);
        await jira.UpdateAsync(result.TicketRef, Fields(("comment", "seen again (count=2)")), CancellationToken.None);

        Assert.Equal("SOC-17", result.TicketRef);
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{JiraUser}:{JiraApiToken}")), requests[0].Header("Authorization"));
        Assert.StartsWith("application/json", requests[0].Header("Content-Type"));
        using var create = JsonDocument.Parse(requests[0].Body);
        var fields = create.RootElement.GetProperty("fields");
        Assert.Equal("SOC", fields.GetProperty("project").GetProperty("key").GetString());
        Assert.Equal("Bug", fields.GetProperty("issuetype").GetProperty("name").GetString());
        Assert.Equal(hostile, fields.GetProperty("summary").GetString());
        Assert.Equal(["aeg", "port_scan"], fields.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToArray());
        Assert.Equal(new[] { "project", "issuetype", "summary", "description", "labels" }, fields.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("/rest/api/2/issue/SOC-17/comment", requests[1].Path);
        using var comment = JsonDocument.Parse(requests[1].Body);
        Assert.Equal("seen again (count=2)", comment.RootElement.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_401_fails_fast_without_retry()
    {
        await using var server = await InProcessHttpServer.StartAsync((_, _) => new Reply(401, """{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}"""));
        var jira = Jira(server, maxAttempts: 5);

        var ex = await Assert.ThrowsAsync<TicketActionException>(() => jira.CreateAsync(Fields(("project", "SOC"), ("summary", "s")), CancellationToken.None));

        Assert.False(ex.Transient);
        Assert.Equal(401, ex.StatusCode);
        Assert.Single(server.Requests);
        Assert.Equal(0, _counters.Retried);
        Assert.Contains("You are not authenticated", ex.Message);
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_404_on_comment_fails_fast()
    {
        await using var server = await InProcessHttpServer.StartAsync((_, _) => new Reply(404, """{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}"""));
        var jira = Jira(server, maxAttempts: 5);

        var ex = await Assert.ThrowsAsync<TicketActionException>(() => jira.UpdateAsync("SOC-404", Fields(("comment", "c")), CancellationToken.None));

        Assert.False(ex.Transient);
        Assert.Equal(404, ex.StatusCode);
        Assert.Single(server.Requests);
        Assert.Equal("/rest/api/2/issue/SOC-404/comment", server.Requests[0].Path);
        Assert.Contains("Issue does not exist", ex.Message);
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_429_with_Retry_After_seconds_is_honoured()
    {
        await using var server = await InProcessHttpServer.StartAsync((_, n) => n == 1
            ? new Reply(429, """{"errorMessages":["Rate limit exceeded."]}""", new Dictionary<string, string> { ["Retry-After"] = "1" })
            : JiraCreated("SOC-2"));
        var jira = Jira(server);

        var result = await jira.CreateAsync(Fields(("project", "SOC"), ("summary", "s")), CancellationToken.None);

        Assert.Equal("SOC-2", result.TicketRef);
        var r = server.Requests;
        Assert.Equal(2, r.Count);
        // Base delay is 20 ms, so only Retry-After explains a wait of a second or more.
        Assert.True(Stopwatch.GetElapsedTime(r[0].At, r[1].At) >= TimeSpan.FromSeconds(1), $"waited only {Stopwatch.GetElapsedTime(r[0].At, r[1].At)}");
        Assert.Equal(1, _counters.Retried);
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_429_with_Retry_After_date_is_honoured()
    {
        DateTimeOffset retryAt = default;
        await using var server = await InProcessHttpServer.StartAsync((r, n) =>
        {
            if (n > 1)
            {
                return JiraCreated("SOC-3");
            }
            // HTTP dates have whole seconds: at least one full second ahead.
            retryAt = new DateTimeOffset(r.Wall.Ticks - r.Wall.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(2);
            return new Reply(429, "", new Dictionary<string, string> { ["Retry-After"] = retryAt.ToString("r") });
        });
        var jira = Jira(server);

        await jira.CreateAsync(Fields(("project", "SOC"), ("summary", "s")), CancellationToken.None);

        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].Wall >= retryAt, $"retried at {requests[1].Wall:O}, Retry-After was {retryAt:O}");
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_503_is_retried_then_succeeds()
    {
        await using var server = await InProcessHttpServer.StartAsync((_, n) => n <= 2 ? new Reply(503, "maintenance") : JiraCreated("SOC-4"));
        var jira = Jira(server, maxAttempts: 3);

        var result = await jira.CreateAsync(Fields(("project", "SOC"), ("summary", "s")), CancellationToken.None);

        Assert.Equal("SOC-4", result.TicketRef);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(2, _counters.Retried);
        Assert.Single(server.Requests.Select(r => r.Body).Distinct());
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_503_until_attempts_run_out_is_transient()
    {
        await using var server = await InProcessHttpServer.StartAsync((_, _) => new Reply(503, "maintenance"));
        var jira = Jira(server, maxAttempts: 3);

        var ex = await Assert.ThrowsAsync<TicketActionException>(() => jira.CreateAsync(Fields(("project", "SOC"), ("summary", "s")), CancellationToken.None));

        Assert.True(ex.Transient);
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal(3, ex.Attempts);
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains("maintenance", ex.Message);
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_attempt_timeout_is_retried()
    {
        await using var server = await InProcessHttpServer.StartAsync((_, _) => JiraCreated("SOC-5"));
        server.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.HangRequests = 1;
        var options = SystemOptions(TicketSystemType.Jira, server.BaseUrl, 2, TicketAuth.Basic, JiraUser);
        options.Timeout = TimeSpan.FromMilliseconds(300);
        var jira = new JiraTicketAction(Http("jira", options, new TicketCredential(TicketAuth.Basic, JiraUser, JiraApiToken), _log.Logger, _counters), server.BaseUrl);

        var result = await jira.CreateAsync(Fields(("project", "SOC"), ("summary", "s")), CancellationToken.None);
        server.Gate.SetResult();

        Assert.Equal("SOC-5", result.TicketRef);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(1, _counters.Retried);
        Assert.Contains("attempt timed out", _log.Text);
    }

    [Fact]
    public async Task Connection_refused_is_retried_and_reported_as_transient()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var url = new Uri($"http://127.0.0.1:{port}/");
        var jira = new JiraTicketAction(Http("jira", SystemOptions(TicketSystemType.Jira, url, 3, TicketAuth.Basic, JiraUser),
            new TicketCredential(TicketAuth.Basic, JiraUser, JiraApiToken), _log.Logger, _counters), url);

        var ex = await Assert.ThrowsAsync<TicketActionException>(() => jira.CreateAsync(Fields(("project", "SOC"), ("summary", "s")), CancellationToken.None));

        Assert.True(ex.Transient);
        Assert.Equal(3, ex.Attempts);
        Assert.Equal(2, _counters.Retried);
        Assert.Contains("connection failed", ex.Message);
    }

    [Fact]
    public async Task ExtraHop_against_in_process_server_following_API_v1_patches_detection()
    {
        await using var server = await InProcessHttpServer.StartAsync((r, _) =>
            r.Method == "PATCH" && r.Path.StartsWith("/api/v1/detections/", StringComparison.Ordinal) ? new Reply(204) : new Reply(404));
        const string key = "xh-api-key-5521";
        var options = SystemOptions(TicketSystemType.ExtraHop, server.BaseUrl);
        var extraHop = new ExtraHopTicketAction(Http("reveal", options, new TicketCredential(TicketAuth.ApiKey, null, key), _log.Logger, _counters), server.BaseUrl);

        var result = await extraHop.CreateAsync(Fields(("detectionId", "4242"), ("ticket_id", "RT-77"), ("status", "in_progress"), ("assignee", "soc-analyst")), CancellationToken.None);
        await extraHop.UpdateAsync(result.TicketRef, Fields(("status", "closed"), ("resolution", "action_taken")), CancellationToken.None);

        Assert.Equal("4242", result.TicketRef);
        var r = server.Requests;
        Assert.Equal(2, r.Count);
        Assert.All(r, x => Assert.Equal("PATCH", x.Method));
        Assert.All(r, x => Assert.Equal("/api/v1/detections/4242", x.Path));
        Assert.All(r, x => Assert.Equal($"ExtraHop apikey={key}", x.Header("Authorization")));
        using var first = JsonDocument.Parse(r[0].Body);
        Assert.Equal(new[] { ("ticket_id", "RT-77"), ("status", "in_progress"), ("assignee", "soc-analyst") },
            first.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)).ToArray());
        using var second = JsonDocument.Parse(r[1].Body);
        Assert.Equal(new[] { ("status", "closed"), ("resolution", "action_taken") },
            second.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)).ToArray());
    }

    [Fact]
    public async Task ExtraHop_against_in_process_server_following_API_v1_unknown_field_or_missing_detection_id_is_rejected_before_sending()
    {
        await using var server = await InProcessHttpServer.StartAsync((_, _) => new Reply(204));
        var options = SystemOptions(TicketSystemType.ExtraHop, server.BaseUrl);
        var extraHop = new ExtraHopTicketAction(Http("reveal", options, new TicketCredential(TicketAuth.ApiKey, null, "k-123"), _log.Logger, _counters), server.BaseUrl);

        var missing = await Assert.ThrowsAsync<TicketActionException>(() => extraHop.CreateAsync(Fields(("status", "new")), CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<TicketActionException>(() => extraHop.UpdateAsync("7", Fields(("owner", "x")), CancellationToken.None));

        Assert.Contains("detectionId", missing.Message);
        Assert.Contains("owner", unknown.Message);
        Assert.Empty(server.Requests);
    }
}
