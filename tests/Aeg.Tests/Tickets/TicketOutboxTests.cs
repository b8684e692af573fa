using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Aeg.Configuration;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Tickets;

/// <summary>The durable outbox: leases, resuming after a crash, one key at a time, and one ticket per key across replaying processes.</summary>
public sealed class TicketOutboxTests : IDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly LogCapture _log = new();
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _log.Dispose();
        _dir.Dispose();
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private TicketOutbox Outbox(string? holder = null, TimeProvider? time = null) => new(_dir.File("tickets.db"), Lease, time, holder);

    // A holder id of this host whose process does not exist: what a kill -9 leaves behind.
    private static string DeadHolderOnThisHost()
    {
        var pid = 4_000_000;
        while (Directory.Exists($"/proc/{pid}"))
        {
            pid++;
        }
        return $"{Environment.MachineName}/{pid}/1";
    }

    private static TicketWork HookWork(string key) => Work("hook", key, Fields(("title", $"alert {key}")), Fields(("note", $"again {key}")));

    /// <summary>A webhook receiver that counts creates per dedupe key itself (from the body's title) and honours Idempotency-Key when told to.</summary>
    private sealed class Receiver
    {
        private readonly ConcurrentDictionary<string, string> _byIdempotencyKey = new();
        private int _ids;
        public bool HonourIdempotencyKey { get; init; }
        public ConcurrentDictionary<string, int> CreatesPerKey { get; } = new();

        public Reply Handle(RecordedRequest r, int n)
        {
            using var body = JsonDocument.Parse(r.Body);
            if (body.RootElement.GetProperty("action").GetString() != "create")
            {
                return new Reply(200, "{}");
            }
            var header = r.Header(WebhookTicketAction.IdempotencyHeader);
            if (HonourIdempotencyKey && header is not null && _byIdempotencyKey.TryGetValue(header, out var known))
            {
                return new Reply(200, $$"""{"id":"{{known}}"}""");
            }
            var id = $"T-{Interlocked.Increment(ref _ids)}";
            if (header is not null)
            {
                _byIdempotencyKey.TryAdd(header, id);
            }
            CreatesPerKey.AddOrUpdate(body.RootElement.GetProperty("fields").GetProperty("title").GetString()!, 1, (_, c) => c + 1);
            return new Reply(201, $$"""{"id":"{{id}}"}""");
        }
    }

    private TicketDispatcher Dispatcher(InProcessHttpServer server, TicketOutbox outbox, TicketCounters counters)
    {
        var options = SystemOptions(TicketSystemType.Webhook, server.BaseUrl, maxAttempts: 1);
        var credential = new TicketCredential(TicketAuth.None, null, "");
        var hook = new WebhookTicketAction(Http("hook", options, credential, _log.Logger, counters), server.BaseUrl, null);
        return new TicketDispatcher(new Dictionary<string, ITicketAction> { ["hook"] = hook }, outbox, SecretScrubber.None, _log.Logger, counters, workers: 4)
        {
            PollInterval = TimeSpan.FromMilliseconds(20),
        };
    }

    private static async Task DrainAsync(TicketDispatcher dispatcher)
    {
        var queue = Channel.CreateUnbounded<TicketWork>();
        queue.Writer.Complete();
        await dispatcher.RunAsync(queue.Reader, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Only_the_oldest_pending_job_of_a_key_is_claimable_and_not_while_it_is_claimed()
    {
        var outbox = Outbox();
        var ids = outbox.Add([HookWork("k1"), HookWork("k2"), HookWork("k1")]);

        var first = outbox.Claim(10);
        Assert.Equal(new[] { ids[0], ids[1] }, first.Select(j => j.Id).ToArray());
        Assert.Empty(outbox.Claim(10));

        outbox.Complete(first[0], DispatchOutcome.Skipped, null);
        Assert.Equal(new[] { ids[2] }, outbox.Claim(10).Select(j => j.Id).ToArray());
    }

    [Fact]
    public void A_file_from_before_key_heads_gets_them_at_open_and_a_dead_lettered_head_frees_the_next_job_of_its_key()
    {
        var ids = Outbox().Add([HookWork("k1"), HookWork("k1"), HookWork("k2")]);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir.File("tickets.db")}"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE ticket_key_heads";
            drop.ExecuteNonQuery();
        }

        var outbox = Outbox();
        var heads = outbox.Claim(10);
        Assert.Equal(new[] { ids[0], ids[2] }, heads.Select(j => j.Id).ToArray());
        outbox.DeadLetter(ids[0], "create", "refused", transient: false, attempts: 1);
        Assert.Equal(new[] { ids[1] }, outbox.Claim(10).Select(j => j.Id).ToArray());
        outbox.Complete(heads[1], DispatchOutcome.Skipped, null);
        Assert.Empty(outbox.Claim(10));
    }

    [Fact]
    public void A_claim_of_a_process_that_died_on_this_host_is_broken_at_once_a_live_one_elsewhere_only_when_its_lease_expires()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-06T05:00:00Z"));
        var ids = Outbox(time: clock).Add([HookWork("crashed"), HookWork("elsewhere")]);
        Assert.Equal(ids[0], Assert.Single(Outbox(DeadHolderOnThisHost(), clock).Claim(1)).Id);
        Assert.Equal(ids[1], Assert.Single(Outbox("other-host/123/1", clock).Claim(1)).Id);
        var me = Outbox(time: clock);
        Assert.Empty(me.Claim(10));

        Assert.Equal(1, me.BreakDeadHolders());
        var resumed = Assert.Single(me.Claim(10));
        Assert.Equal((ids[0], 2), (resumed.Id, resumed.Runs));
        me.Complete(resumed, DispatchOutcome.Skipped, null);

        clock.Now += Lease + TimeSpan.FromSeconds(1);
        Assert.Equal(ids[1], Assert.Single(me.Claim(10)).Id);
    }

    [Fact]
    public void A_key_claim_is_held_by_one_holder_and_keeps_the_request_sent_mark_after_release()
    {
        var a = Outbox("host-a/1/1");
        var b = Outbox("host-b/2/1");
        var claim = a.Keys.TryClaim("hook", "k");
        Assert.Equal(new KeyClaim(true, null), claim);
        Assert.False(b.Keys.TryClaim("hook", "k").Taken);
        a.Keys.MarkCreateSent("hook", "k");
        a.Keys.Release("hook", "k");

        var second = b.Keys.TryClaim("hook", "k");
        Assert.True(second.Taken);
        Assert.NotNull(second.CreateSentAt);
    }

    [Fact]
    public async Task Webhook_create_interrupted_by_a_crash_is_sent_again_with_the_same_Idempotency_Key_and_the_receiver_keeps_one_ticket()
    {
        var receiver = new Receiver { HonourIdempotencyKey = true };
        await using var server = await InProcessHttpServer.StartAsync(receiver.Handle);
        // The crashed process: it claimed the job and the key, marked the create as sent, sent it, and died before recording the answer.
        var crashed = Outbox(DeadHolderOnThisHost());
        crashed.Add([HookWork("k1"), HookWork("k1")]);
        var job = Assert.Single(crashed.Claim(1));
        Assert.True(crashed.Keys.TryClaim("hook", "k1").Taken);
        crashed.Keys.MarkCreateSent("hook", "k1");
        var counters = new TicketCounters();
        var lostAnswer = new WebhookTicketAction(Http("hook", SystemOptions(TicketSystemType.Webhook, server.BaseUrl, 1), new TicketCredential(TicketAuth.None, null, ""), _log.Logger, counters), server.BaseUrl, null);
        await lostAnswer.CreateAsync(job.Work.OnCreate!, TicketIdempotency.Key("hook", "k1"), CancellationToken.None);

        var restarted = Dispatcher(server, Outbox(), new TicketCounters());
        await DrainAsync(restarted);

        Assert.Equal(1, receiver.CreatesPerKey["alert k1"]);
        var creates = server.Requests.Where(r => r.Body.Contains("\"create\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, creates.Count);
        Assert.Equal(TicketIdempotency.Key("hook", "k1"), creates[0].Header(WebhookTicketAction.IdempotencyHeader));
        Assert.Equal(creates[0].Header(WebhookTicketAction.IdempotencyHeader), creates[1].Header(WebhookTicketAction.IdempotencyHeader));
        Assert.Equal("T-1", restarted.Outbox.Store.Find("hook", "k1")!.TicketRef);
        Assert.Equal(new OutboxCounts(0, 0, 2), restarted.Outbox.Counts());
        Assert.Equal(1, restarted.Outbox.Store.Find("hook", "k1")!.UpdateCount);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task Concurrent_replays_over_the_same_dead_letters_create_one_ticket_per_key(int processes)
    {
        // The receiver does not honour Idempotency-Key: only the key claims keep the creates apart.
        var receiver = new Receiver();
        await using var server = await InProcessHttpServer.StartAsync(receiver.Handle);
        var setup = Outbox();
        var keys = Enumerable.Range(0, 12).Select(i => $"k{i}").ToArray();
        foreach (var key in keys.Concat(keys).Concat(keys))
        {
            setup.AddDead(new DeadLetter("r", "hook", key, Fields(("title", $"alert {key}")), Fields(("note", "n")), "CEF:0|x", DateTimeOffset.UtcNow,
                DateTimeOffset.UtcNow, "create", "hook: create webhook failed with HTTP 503", true, 3));
        }

        // Holders on other hosts count as alive: each replay is a separate process as far as the claims go.
        var replays = Enumerable.Range(0, processes).Select(p =>
        {
            var dispatcher = Dispatcher(server, Outbox($"host-{p}/{p + 1}/1"), new TicketCounters());
            return Task.Run(() => DeadLetterReplay.ReplayAsync(dispatcher, _log.Logger, CancellationToken.None));
        }).ToArray();
        var results = await Task.WhenAll(replays).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(keys.Order(), receiver.CreatesPerKey.Keys.Select(k => k["alert ".Length..]).Order());
        Assert.All(receiver.CreatesPerKey, c => Assert.Equal(1, c.Value));
        Assert.Equal(keys.Length * 3, results.Sum(r => r.Succeeded));
        Assert.Equal(0, results.Sum(r => r.Remaining));
        Assert.Equal(new OutboxCounts(0, 0, keys.Length * 3), setup.Counts());
        Assert.All(keys, k => Assert.Equal(2, setup.Store.Find("hook", k)!.UpdateCount));
    }

    [Fact]
    public void Legacy_dead_letter_files_are_moved_into_the_outbox()
    {
        var folder = new DeadLetterStore(_dir.File("dead-letter"));
        folder.Write(new DeadLetter("r", "hook", "old", Fields(("title", "t")), null, "CEF:0|x", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow,
            "create", "old failure", false, 1));
        var outbox = Outbox();

        Assert.Equal(1, folder.ImportInto(outbox));

        Assert.Empty(Directory.GetFiles(_dir.File("dead-letter")));
        var letter = Assert.Single(outbox.DeadLetters());
        Assert.Equal(("old", "old failure", false), (letter.DedupeKey, letter.Error, letter.Transient));
    }
}
