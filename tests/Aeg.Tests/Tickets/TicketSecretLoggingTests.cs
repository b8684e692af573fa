using System.Text;
using System.Threading.Channels;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Tickets;

/// <summary>No configured secret reaches a log line, a dead letter or the outbox file, even when servers echo credentials back.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TicketSecretLoggingTests : IDisposable
{
    private readonly LogCapture _log = new();
    private readonly TempDirectory _dir = new();
    private readonly List<string> _envs = [];

    public void Dispose()
    {
        foreach (var env in _envs)
        {
            Environment.SetEnvironmentVariable(env, null);
        }
        _log.Dispose();
        _dir.Dispose();
    }

    private string Env(string value)
    {
        var name = "AEG_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(name, value);
        _envs.Add(name);
        return name;
    }

    [Fact]
    public async Task Secrets_never_appear_in_logs_or_dead_letters_through_success_401_5xx_retry_and_dead_letter()
    {
        const string jiraUser = "aeg@example.com", jiraPassword = "Jira-Pw-8d1f!x", apiKey = "xh-KEY-41c2e9", hookSecret = "wh-Secret-77aa", rtToken = "rt-Tok-5531";
        var tokenFile = _dir.File("xh.key");
        File.WriteAllText(tokenFile, apiKey + "\n");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var webhookCalls = 0;
        // Every failure answer echoes the request's credentials, as careless servers and proxies do.
        await using var server = await InProcessHttpServer.StartAsync((r, _) =>
        {
            var echo = $"auth={r.Header("Authorization")} sig={r.Header(WebhookTicketAction.SignatureHeader)}";
            return r.Path switch
            {
                "/jira/rest/api/2/issue" => new Reply(201, """{"id":"1","key":"SOC-1","self":"x"}"""),
                "/jira/rest/api/2/issue/SOC-1/comment" => new Reply(503, echo),
                "/rt/REST/2.0/ticket" => new Reply(401, echo),
                "/xh/api/v1/detections/77" => new Reply(401, echo),
                "/hook" => Interlocked.Increment(ref webhookCalls) == 1 ? new Reply(503, echo) : new Reply(200, """{"id":"h1"}"""),
                _ => new Reply(404, echo),
            };
        });
        var tickets = new TicketsOptions
        {
            Systems = new()
            {
                ["jira"] = With(SystemOptions(TicketSystemType.Jira, new Uri(server.BaseUrl, "jira"), 3, TicketAuth.Basic, jiraUser), passwordEnv: Env(jiraPassword)),
                ["rt"] = With(SystemOptions(TicketSystemType.Rt, new Uri(server.BaseUrl, "rt"), 3), tokenEnv: Env(rtToken)),
                ["xh"] = With(SystemOptions(TicketSystemType.ExtraHop, new Uri(server.BaseUrl, "xh"), 3), tokenFile: tokenFile),
                ["hook"] = With(SystemOptions(TicketSystemType.Webhook, new Uri(server.BaseUrl, "hook"), 3), tokenEnv: Env(hookSecret)),
            },
        };
        var counters = new TicketCounters();
        var (systems, dispatcher) = Dispatcher(tickets, _dir, _log.Logger, counters);
        using var _ = systems;
        var queue = Channel.CreateUnbounded<TicketWork>();
        queue.Writer.TryWrite(Work("jira", "k", Fields(("project", "SOC"), ("summary", "s")), Fields(("comment", "c"))));   // success
        queue.Writer.TryWrite(Work("jira", "k", Fields(("project", "SOC"), ("summary", "s")), Fields(("comment", "c"))));   // 503 ×3 → dead letter
        queue.Writer.TryWrite(Work("rt", "k", Fields(("Queue", "SOC"), ("Subject", "s")), null));                          // 401
        queue.Writer.TryWrite(Work("xh", "k", Fields(("detectionId", "77"), ("status", "closed")), null));                  // 401
        queue.Writer.TryWrite(Work("hook", "k", Fields(("title", "t")), null));                                             // 503, retry, success
        queue.Writer.Complete();

        await dispatcher.RunAsync(queue.Reader, CancellationToken.None);

        Assert.Equal((2L, 3L, 3L), (counters.Created, counters.Failed, counters.DeadLettered));
        Assert.Equal(3, counters.Retried);
        var logs = _log.Text;
        var deadLetters = string.Join("\n", dispatcher.Outbox.DeadLetters().Select(l => l.ToString()));
        // The whole store as bytes (database and WAL): no secret in any row, dead or done.
        var store = string.Join("\n", Directory.GetFiles(_dir.Path, "tickets.db*").Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        // The paths really ran, and the echoed credentials were there to leak.
        Assert.Contains("HTTP 401", logs);
        Assert.Contains("HTTP 503", logs);
        Assert.Contains("retry 1 of 2", logs);
        Assert.Contains("dead letter", logs);
        Assert.Contains("auth=token ***", logs);
        Assert.Contains("auth=ExtraHop apikey=***", logs);
        Assert.Contains("auth=Basic ***", deadLetters);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{jiraUser}:{jiraPassword}"));
        foreach (var secret in new[] { jiraPassword, basic, apiKey, hookSecret, rtToken })
        {
            Assert.DoesNotContain(secret, logs);
            Assert.DoesNotContain(secret, deadLetters);
            Assert.DoesNotContain(secret, store);
        }
    }

    private static TicketSystemOptions With(TicketSystemOptions o, string? tokenEnv = null, string? tokenFile = null, string? passwordEnv = null)
    {
        o.TokenEnv = tokenEnv;
        o.TokenFile = tokenFile;
        o.PasswordEnv = passwordEnv;
        return o;
    }
}
