using System.CommandLine;
using System.Text.Json;
using System.Threading.Channels;
using Aeg.Cli;
using Aeg.Configuration;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Tickets;

/// <summary>The dispatcher, dedupe store, dead letters and <c>aeg tickets retry</c>, against an in-process server following Jira REST v2.</summary>
public sealed class TicketDispatcherTests : IDisposable
{
    private readonly LogCapture _log = new();
    private readonly TempDirectory _dir = new();
    private readonly TicketCounters _counters = new();

    public void Dispose()
    {
        _log.Dispose();
        _dir.Dispose();
    }

    /// <summary>
    /// A Jira REST v2 server that numbers issues, accepts comments and answers JQL <c>labels = "…"</c> searches
    /// (GET /rest/api/2/search, documented answer shape <c>{"issues":[{"key":…}]}</c>); <see cref="Down"/> makes it answer 503.
    /// </summary>
    private sealed class JiraServer
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _byLabel = new();
        private int _issues, _comments;
        public volatile bool Down;
        public int IssuesCreated => Volatile.Read(ref _issues);
        public int CommentsAdded => Volatile.Read(ref _comments);
        public Reply Handle(RecordedRequest r, int n)
        {
            if (Down)
            {
                return new Reply(503, """{"errorMessages":["Service unavailable"]}""");
            }
            if (r.Method == "POST" && r.Path == "/rest/api/2/issue")
            {
                var k = Interlocked.Increment(ref _issues);
                using var body = JsonDocument.Parse(r.Body);
                if (body.RootElement.GetProperty("fields").TryGetProperty("labels", out var labels))
                {
                    foreach (var label in labels.EnumerateArray())
                    {
                        _byLabel.TryAdd(label.GetString()!, $"SOC-{k}");
                    }
                }
                return new Reply(201, $$"""{"id":"{{10000 + k}}","key":"SOC-{{k}}","self":"x"}""");
            }
            if (r.Method == "GET" && r.Path.StartsWith("/rest/api/2/search?", StringComparison.Ordinal))
            {
                var jql = Uri.UnescapeDataString(r.Path[(r.Path.IndexOf("jql=", StringComparison.Ordinal) + 4)..].Split('&')[0]);
                var label = System.Text.RegularExpressions.Regex.Match(jql, "^labels = \"([^\"]+)\"").Groups[1].Value;
                return _byLabel.TryGetValue(label, out var found)
                    ? new Reply(200, $$"""{"startAt":0,"maxResults":1,"total":1,"issues":[{"id":"1","key":"{{found}}","self":"x"}]}""")
                    : new Reply(200, """{"startAt":0,"maxResults":1,"total":0,"issues":[]}""");
            }
            if (r.Method == "POST" && r.Path.EndsWith("/comment", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _comments);
                return new Reply(201, """{"id":"1"}""");
            }
            return new Reply(404, """{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}""");
        }
    }

    private TicketDispatcher Dispatcher(InProcessHttpServer server, int maxAttempts = 2, int workers = 4)
    {
        var credential = new TicketCredential(TicketAuth.Bearer, null, "jira-pat-000111");
        var jira = new JiraTicketAction(Http("jira", SystemOptions(TicketSystemType.Jira, server.BaseUrl, maxAttempts, TicketAuth.Bearer), credential, _log.Logger, _counters), server.BaseUrl);
        return new TicketDispatcher(new Dictionary<string, ITicketAction> { ["jira"] = jira }, new TicketOutbox(_dir.File("tickets.db"), TimeSpan.FromSeconds(30)),
            new SecretScrubber(credential.SecretForms()), _log.Logger, _counters, workers);
    }

    private static TicketWork JiraWork(string key, string rule = "r") => Work("jira", key,
        Fields(("project", "SOC"), ("summary", $"alert {key}")), Fields(("comment", $"again {key}")), rule);

    private static int Creates(InProcessHttpServer s) => s.Requests.Count(r => r.Method == "POST" && r.Path == "/rest/api/2/issue");
    private static int Comments(InProcessHttpServer s) => s.Requests.Count(r => r.Path.EndsWith("/comment", StringComparison.Ordinal));

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_many_quick_events_with_one_key_create_one_issue()
    {
        var jira = new JiraServer();
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);
        var dispatcher = Dispatcher(server);
        var queue = Channel.CreateUnbounded<TicketWork>();
        for (var i = 0; i < 20; i++)
        {
            queue.Writer.TryWrite(JiraWork("same-key"));
            queue.Writer.TryWrite(JiraWork($"other-{i % 3}"));
        }
        queue.Writer.Complete();

        await dispatcher.RunAsync(queue.Reader, CancellationToken.None);

        Assert.Equal(4, Creates(server));
        Assert.Equal(36, Comments(server));
        Assert.Equal(4, _counters.Created);
        Assert.Equal(36, _counters.Updated);
        var store = new TicketStore(_dir.File("tickets.db"));
        Assert.Equal(19, store.Find("jira", "same-key")!.UpdateCount);
        Assert.Equal(4, store.List().Select(r => r.TicketRef).Distinct().Count());
        Assert.Equal(0, _counters.DeadLettered);
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_exhausted_retries_go_to_a_dead_letter_without_credentials()
    {
        var jira = new JiraServer { Down = true };
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);
        var dispatcher = Dispatcher(server, maxAttempts: 3);

        var (outcome, error) = await dispatcher.ProcessAsync(JiraWork("k1", "rule-x"), CancellationToken.None);

        Assert.Equal(DispatchOutcome.Failed, outcome);
        Assert.Contains("503", error);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal((1, 1, 2), (_counters.Failed, _counters.DeadLettered, _counters.Retried));
        // The dead letter is in the outbox at once, not only at a graceful stop.
        var letter = Assert.Single(new TicketOutbox(_dir.File("tickets.db"), TimeSpan.FromSeconds(30)).DeadLetters());
        Assert.DoesNotContain("jira-pat-000111", letter.ToString());
        Assert.DoesNotContain("Authorization", letter.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(("jira", "rule-x", "alert k1"), (letter.Target, letter.RuleName, letter.OnCreate!["summary"]));
        Assert.True(letter.Transient);
        Assert.Equal(3, letter.Attempts);
        Assert.Contains("503", letter.Error);
    }

    [Fact]
    public async Task Aeg_tickets_retry_after_the_in_process_server_following_REST_v2_recovers_creates_exactly_one_issue()
    {
        var jira = new JiraServer { Down = true };
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);
        // The same config the command reads: state dir (store + dead letters) and the Jira system.
        var passwordEnv = "AEG_TEST_JIRA_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(passwordEnv, "jira-pat-000111");
        File.WriteAllText(_dir.File("cef-mappings.yaml"), "");
        File.WriteAllText(_dir.File("aeg.yaml"), $"""
            state:
              directory: {_dir.Path}
            tickets:
              systems:
                jira:
                  type: jira
                  url: {server.BaseUrl}
                  auth: bearer
                  tokenEnv: {passwordEnv}
                  retry: {"{"} maxAttempts: 2, baseDelay: 10ms {"}"}
            """);
        var dispatcher = Dispatcher(server);
        // Two events with one key while the server is down: both end as dead letters.
        await dispatcher.ProcessAsync(JiraWork("k-retry"), CancellationToken.None);
        await dispatcher.ProcessAsync(JiraWork("k-retry"), CancellationToken.None);
        var outbox = new TicketOutbox(_dir.File("tickets.db"), TimeSpan.FromSeconds(30));
        Assert.Equal(2, outbox.DeadLetters().Count);
        var stillDown = await RunAsync("tickets", "retry", "--config", _dir.File("aeg.yaml"));
        Assert.Equal(1, stillDown);
        Assert.Equal(2, outbox.DeadLetters().Count);

        jira.Down = false;
        var first = await RunAsync("tickets", "retry", "--config", _dir.File("aeg.yaml"));
        var second = await RunAsync("tickets", "retry", "--config", _dir.File("aeg.yaml"));

        Assert.Equal((0, 0), (first, second));
        Assert.Equal(1, jira.IssuesCreated);
        Assert.Equal(1, jira.CommentsAdded);
        Assert.Empty(outbox.DeadLetters());
        var record = new TicketStore(_dir.File("tickets.db")).Find("jira", "k-retry")!;
        Assert.Equal(("SOC-1", 1L), (record.TicketRef, record.UpdateCount));
        Environment.SetEnvironmentVariable(passwordEnv, null);
    }

    [Fact]
    public async Task Aeg_tickets_list_shows_the_dedupe_store_as_a_table()
    {
        var store = new TicketStore(_dir.File("tickets.db"));
        store.RecordCreated("rt", "corr:4711", "1234", "esm-correlation", DateTimeOffset.Parse("2026-11-22T01:02:03Z"));
        store.RecordUpdated("rt", "corr:4711", DateTimeOffset.Parse("2026-11-22T02:03:04Z"));
        File.WriteAllText(_dir.File("cef-mappings.yaml"), "");
        File.WriteAllText(_dir.File("aeg.yaml"), $"state:\n  directory: {_dir.Path}\n");
        var output = new StringWriter();

        var exit = await RunAsync(output, "tickets", "list", "--config", _dir.File("aeg.yaml"));

        Assert.Equal(0, exit);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("TARGET", lines[0]);
        Assert.Matches(@"^rt\s+corr:4711\s+1234\s+esm-correlation\s+2026-11-22 01:02:03\s+2026-11-22 02:03:04\s+1$", lines[1]);
        Assert.StartsWith("1 mapping(s)", lines[2]);
    }

    [Fact]
    public async Task Jira_against_in_process_server_following_REST_v2_stop_leaves_in_flight_and_queued_work_pending_and_the_next_run_does_it()
    {
        var jira = new JiraServer();
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);
        server.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.HangRequests = 1;
        var dispatcher = Dispatcher(server, workers: 1);
        var queue = Channel.CreateUnbounded<TicketWork>();
        for (var i = 0; i < 3; i++)
        {
            queue.Writer.TryWrite(JiraWork($"stop-{i}"));
        }
        using var stop = new CancellationTokenSource();
        var run = dispatcher.RunAsync(queue.Reader, stop.Token);
        await WaitUntil.HoldsAsync(() => server.Requests.Count == 1, "the first request to hang", TimeSpan.FromSeconds(10));

        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        server.Gate.SetResult();
        await WaitUntil.HoldsAsync(() => jira.IssuesCreated == 1, "the hung create to be done by the server", TimeSpan.FromSeconds(10));

        Assert.Equal((0L, 0L, 3L), (_counters.DeadLettered, _counters.Ok, _counters.Accepted));
        Assert.Equal(new OutboxCounts(3, 0, 0), dispatcher.Outbox.Counts());

        // The next run (a restart) resumes all three. The hung create reached the server and made SOC-1,
        // so the interrupted key is looked up by its label first (Jira's search), not created twice.
        var next = Dispatcher(server, workers: 1);
        var empty = Channel.CreateUnbounded<TicketWork>();
        empty.Writer.Complete();
        await next.RunAsync(empty.Reader, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(new OutboxCounts(0, 0, 3), next.Outbox.Counts());
        Assert.Equal(["stop-0", "stop-1", "stop-2"], next.Outbox.Store.List().Select(r => r.DedupeKey).Order().ToArray());
        Assert.Equal(3, jira.IssuesCreated);
        Assert.Single(server.Requests, r => r.Path.StartsWith("/rest/api/2/search", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_target_is_dead_lettered_with_the_reason()
    {
        await using var server = await InProcessHttpServer.StartAsync();
        var dispatcher = Dispatcher(server);

        var (outcome, error) = await dispatcher.ProcessAsync(Work("nope", "k", Fields(("summary", "s")), null), CancellationToken.None);

        Assert.Equal(DispatchOutcome.Failed, outcome);
        Assert.Contains("no ticket system named 'nope'", error);
        Assert.Contains("no ticket system named 'nope'", Assert.Single(new TicketOutbox(_dir.File("tickets.db"), TimeSpan.FromSeconds(30)).DeadLetters()).Error);
        Assert.Empty(server.Requests);
    }

    private static Task<int> RunAsync(params string[] args) => RunAsync(new StringWriter(), args);

    private static Task<int> RunAsync(TextWriter output, params string[] args)
    {
        var root = new RootCommand { TicketsCommand.Create() };
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output });
    }
}
