using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Tickets;

/// <summary>TicketService built from a config file, fed through the real BoundedTicketQueue, against an in-process server following Jira REST v2.</summary>
public sealed class TicketServiceTests : IDisposable
{
    private readonly LogCapture _log = new();
    private readonly TempDirectory _dir = new();
    private readonly string _env = "AEG_TEST_JIRA_" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_env, null);
        _log.Dispose();
        _dir.Dispose();
    }

    private AegOptions Config(Uri url, string drainTimeout)
    {
        Environment.SetEnvironmentVariable(_env, "jira-api-token-svc");
        File.WriteAllText(_dir.File("cef-mappings.yaml"), "");
        File.WriteAllText(_dir.File("aeg.yaml"), $"""
            state:
              directory: {_dir.Path}
            tickets:
              workers: 2
              drainTimeout: {drainTimeout}
              queue: {"{"} capacity: 100 {"}"}
              systems:
                jira:
                  type: jira
                  url: {url}
                  user: aeg@example.com
                  passwordEnv: {_env}
                  retry: {"{"} maxAttempts: 2, baseDelay: 10ms {"}"}
            """);
        return AegConfig.Load(_dir.File("aeg.yaml"));
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_queue_to_tickets_and_store_end_to_end()
    {
        var issues = 0;
        await using var server = await InProcessHttpServer.StartAsync((r, _) => r.Path == "/rest/api/2/issue"
            ? new Reply(201, $$"""{"id":"1","key":"SOC-{{Interlocked.Increment(ref issues)}}","self":"x"}""")
            : new Reply(201, """{"id":"2"}"""));
        var options = Config(server.BaseUrl, "5s");
        var queue = new BoundedTicketQueue(options.Tickets.Queue, _log.Logger);
        using var service = TicketService.Create(options.Tickets, options.State.Directory, _dir.File("aeg.yaml"), _log.Logger);
        var run = service.RunAsync(queue.Reader, CancellationToken.None);

        foreach (var key in new[] { "a", "b", "a", "c", "a" })
        {
            Assert.True(queue.TryEnqueue(Work("jira", key, Fields(("project", "SOC"), ("summary", key)), Fields(("comment", "again")))));
        }
        queue.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((3L, 2L, 0L), (service.Counters.Created, service.Counters.Updated, service.Counters.Failed));
        var rows = new TicketStore(TicketStore.DefaultPath(options.State.Directory)).List();
        Assert.Equal(["a", "b", "c"], rows.Select(r => r.DedupeKey).Order().ToArray());
        Assert.Equal(2, rows.Single(r => r.DedupeKey == "a").UpdateCount);
    }

    [Fact]
    public async Task Shutdown_waits_drain_timeout_then_leaves_what_the_in_process_server_did_not_answer_pending_in_the_outbox()
    {
        await using var server = await InProcessHttpServer.StartAsync((_, _) => new Reply(201, """{"id":"1","key":"SOC-1","self":"x"}"""));
        server.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = Config(server.BaseUrl, "500ms");
        var queue = new BoundedTicketQueue(options.Tickets.Queue, _log.Logger);
        using var service = TicketService.Create(options.Tickets, options.State.Directory, _dir.File("aeg.yaml"), _log.Logger);
        using var shutdown = new CancellationTokenSource();
        var run = service.RunAsync(queue.Reader, shutdown.Token);
        queue.TryEnqueue(Work("jira", "hangs", Fields(("project", "SOC"), ("summary", "s")), null));
        await WaitUntil.HoldsAsync(() => server.Requests.Count == 1, "the request to reach the server", TimeSpan.FromSeconds(10));

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        shutdown.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        stopping.Stop();
        server.Gate.SetResult();

        // Timers and the stopwatch use different clocks: allow a little, never most of the 500 ms.
        Assert.True(stopping.Elapsed >= TimeSpan.FromMilliseconds(450), $"stopped after {stopping.Elapsed}, before drainTimeout");
        Assert.Equal(new OutboxCounts(1, 0, 0), service.Outbox.Counts());
        Assert.Contains("interrupted by shutdown; the job stays in the outbox", _log.Text);
    }
}
