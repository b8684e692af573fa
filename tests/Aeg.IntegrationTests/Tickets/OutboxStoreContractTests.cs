using System.Collections.Concurrent;
using Aeg.Tickets;
using Aeg.Tickets.Store;
using Serilog;
using static Aeg.TestKit.TicketKit;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>
/// The outbox and dedupe store contract, run against both stores: the SQLite file and a real MariaDB
/// (a fresh database on the test server, AEG_TEST_MYSQL). Leases, one job per key at a time in id order,
/// release, dead letters, completion, a killed holder's claims, and concurrent claimers.
/// </summary>
public sealed class OutboxStoreContractTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();
    private readonly List<TestDatabase> _databases = [];

    public static TheoryData<string> Stores => new() { "sqlite", "mariadb" };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
        _dir.Dispose();
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    // One store per test; every TicketOutbox made by the returned factory shares it (as processes share a file or a server).
    private async Task<Func<string?, TimeProvider?, TicketOutbox>> StoreAsync(string kind)
    {
        IOutboxDatabase database;
        if (kind == "sqlite")
        {
            database = new SqliteOutboxDatabase(_dir.File("tickets.db"));
        }
        else
        {
            var db = await TestDatabase.CreateAsync();
            _databases.Add(db);
            database = MariaDbOutboxDatabase.Open(db.Options, db.Password, db.Name, new LoggerConfiguration().CreateLogger());
        }
        return (holder, time) => new TicketOutbox(database, Lease, time, holder);
    }

    private static TicketWork HookWork(string key) => Work("hook", key, Fields(("title", $"alert {key}")), Fields(("note", $"again {key}")));

    private static string DeadHolderOnThisHost()
    {
        var pid = 4_000_000;
        while (Directory.Exists($"/proc/{pid}"))
        {
            pid++;
        }
        return $"{Environment.MachineName}/{pid}/1";
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Added_jobs_are_claimed_with_a_lease_that_another_holder_can_take_only_after_it_expires(string kind)
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-06T05:00:00Z"));
        var open = await StoreAsync(kind);
        var a = open("host-a/1/1", clock);
        var ids = a.Add([HookWork("k1"), HookWork("k2")]);

        var claimed = a.Claim(10);
        Assert.Equal(ids, claimed.Select(j => j.Id).ToList());
        Assert.All(claimed, j => Assert.Equal(1, j.Runs));
        Assert.Equal("alert k1", claimed[0].Work.OnCreate!["title"]);
        var b = open("host-b/2/1", clock);
        Assert.Empty(b.Claim(10));

        clock.Now += Lease + TimeSpan.FromSeconds(1);
        var retaken = b.Claim(10);
        Assert.Equal(ids, retaken.Select(j => j.Id).ToList());
        Assert.All(retaken, j => Assert.Equal(2, j.Runs));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_key_runs_one_job_at_a_time_in_id_order_through_complete_and_dead_letter(string kind)
    {
        var outbox = (await StoreAsync(kind))(null, null);
        var ids = outbox.Add([HookWork("k1"), HookWork("k2"), HookWork("k1"), HookWork("k1")]);

        var first = outbox.Claim(10);
        Assert.Equal(new[] { ids[0], ids[1] }, first.Select(j => j.Id).ToArray());
        Assert.Empty(outbox.Claim(10));

        outbox.Complete(first[0], DispatchOutcome.Created, "T-1");
        var second = Assert.Single(outbox.Claim(10));
        Assert.Equal(ids[2], second.Id);
        outbox.DeadLetter(second.Id, "update T-1", "refused", transient: false, attempts: 3);
        Assert.Equal(ids[3], Assert.Single(outbox.Claim(10)).Id);
        Assert.Equal(new OutboxCounts(2, 1, 1), outbox.Counts());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_linked_job_sees_the_earlier_jobs_of_another_target_for_its_key_while_they_are_pending(string kind)
    {
        var outbox = (await StoreAsync(kind))("host-a/1/1", null);
        var longKey = "k-" + new string('x', 2_000);
        var ids = outbox.Add([Work("rt", longKey, Fields(("Subject", "s")), null), Work("reveal", longKey, Fields(("ticket_id", "{{ticket.rt.id}}")), null)]);

        Assert.True(outbox.HasPendingBefore("rt", longKey, ids[1]));
        Assert.False(outbox.HasPendingBefore("rt", longKey, ids[0]));
        Assert.False(outbox.HasPendingBefore("rt", longKey + "y", ids[1]));
        Assert.False(outbox.HasPendingBefore("jira", longKey, ids[1]));

        var rt = Assert.Single(outbox.Claim(10), j => j.Work.Target == "rt");
        outbox.Complete(rt, DispatchOutcome.Created, "812");
        Assert.False(outbox.HasPendingBefore("rt", longKey, ids[1]));
        Assert.Equal("812", outbox.Store.Find("rt", longKey)!.TicketRef);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_released_job_is_claimable_again_after_its_delay(string kind)
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-06T05:00:00Z"));
        var outbox = (await StoreAsync(kind))(null, clock);
        var id = outbox.Add([HookWork("k")])[0];
        Assert.Equal(id, Assert.Single(outbox.Claim(1)).Id);

        outbox.Release(id, TimeSpan.FromSeconds(5));
        Assert.Empty(outbox.Claim(1));
        Assert.True(outbox.HasWork());
        clock.Now += TimeSpan.FromSeconds(6);
        Assert.Equal(id, Assert.Single(outbox.Claim(1)).Id);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Completing_records_the_ticket_and_counts_updates_and_a_dead_letter_keeps_its_reason_until_replayed(string kind)
    {
        var outbox = (await StoreAsync(kind))(null, null);
        var ids = outbox.Add([HookWork("k"), HookWork("k"), HookWork("k")]);
        outbox.Complete(Assert.Single(outbox.Claim(1)), DispatchOutcome.Created, "T-7");
        outbox.Complete(Assert.Single(outbox.Claim(1)), DispatchOutcome.Updated, "T-7");
        var record = outbox.Store.Find("hook", "k")!;
        Assert.Equal(("T-7", 1L), (record.TicketRef, record.UpdateCount));
        Assert.Null(outbox.Store.Find("hook", "K"));

        outbox.DeadLetter(Assert.Single(outbox.Claim(1)).Id, "update T-7", "HTTP 400 refused", transient: false, attempts: 1);
        var letter = Assert.Single(outbox.DeadLetters());
        Assert.Equal((ids[2], "HTTP 400 refused", "update T-7", "again k"), (letter.JobId, letter.Error, letter.Operation, letter.OnUpdate!["note"]));

        var replay = outbox.ClaimById(ids[2], "dead")!;
        outbox.Complete(replay, DispatchOutcome.Updated, "T-7");
        Assert.Empty(outbox.DeadLetters());
        Assert.Equal(2, outbox.Store.Find("hook", "k")!.UpdateCount);
        Assert.Equal(new OutboxCounts(0, 0, 3), outbox.Counts());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_killed_holders_claims_are_broken_at_once_on_its_host_and_by_lease_expiry_elsewhere(string kind)
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-06T05:00:00Z"));
        var open = await StoreAsync(kind);
        var ids = open(null, clock).Add([HookWork("crashed"), HookWork("elsewhere")]);
        var dead = open(DeadHolderOnThisHost(), clock);
        Assert.Equal(ids[0], Assert.Single(dead.Claim(1)).Id);
        Assert.True(dead.Keys.TryClaim("hook", "crashed").Taken);
        dead.Keys.MarkCreateSent("hook", "crashed");
        Assert.Equal(ids[1], Assert.Single(open("other-host/9/1", clock).Claim(1)).Id);

        var me = open(null, clock);
        Assert.Empty(me.Claim(10));
        Assert.Equal(1, me.BreakDeadHolders());
        var resumed = Assert.Single(me.Claim(10));
        Assert.Equal((ids[0], 2), (resumed.Id, resumed.Runs));
        var key = me.Keys.TryClaim("hook", "crashed");
        Assert.True(key.Taken);
        Assert.NotNull(key.CreateSentAt);
        me.Complete(resumed, DispatchOutcome.Created, "T-1");

        clock.Now += Lease + TimeSpan.FromSeconds(1);
        Assert.Equal(ids[1], Assert.Single(me.Claim(10)).Id);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Key_claims_are_exclusive_exact_and_work_for_keys_longer_than_an_index_holds(string kind)
    {
        var open = await StoreAsync(kind);
        var a = open("host-a/1/1", null);
        var b = open("host-b/2/1", null);
        var longKey = new string('k', 5000) + "-é";
        Assert.True(a.Keys.TryClaim("hook", longKey).Taken);
        Assert.False(b.Keys.TryClaim("hook", longKey).Taken);
        // Differs only in case or in the last character: another key.
        Assert.True(b.Keys.TryClaim("hook", longKey.ToUpperInvariant()).Taken);
        Assert.True(b.Keys.TryClaim("hook", longKey[..^1] + "e").Taken);

        var id = a.Add([HookWork(longKey)])[0];
        var job = Assert.Single(a.Claim(1));
        Assert.Equal((id, longKey), (job.Id, job.Work.DedupeKey));
        a.Complete(job, DispatchOutcome.Created, "T-long");
        Assert.Equal("T-long", a.Store.Find("hook", longKey)!.TicketRef);
        Assert.True(b.Keys.TryClaim("hook", longKey).Taken);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Concurrent_claimers_never_share_a_job_or_a_key_and_each_key_runs_in_id_order(string kind)
    {
        var open = await StoreAsync(kind);
        const int keys = 12, perKey = 8, claimers = 6;
        var added = open(null, null).Add(Enumerable.Range(0, keys * perKey).Select(i => HookWork($"key-{i % keys}")).ToList());
        var runs = new ConcurrentBag<long>();
        var inFlight = new ConcurrentDictionary<string, long>();
        var order = new ConcurrentDictionary<string, ConcurrentQueue<long>>();
        var violations = new ConcurrentBag<string>();
        var tasks = Enumerable.Range(0, claimers).Select(c => Task.Run(() =>
        {
            var outbox = open($"claimer-{c}/{c}/1", null);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (outbox.Counts().Pending > 0 && DateTime.UtcNow < deadline)
            {
                foreach (var job in outbox.Claim(2))
                {
                    var key = job.Work.DedupeKey;
                    if (!inFlight.TryAdd(key, job.Id))
                    {
                        violations.Add($"{key}: job {job.Id} claimed while job {inFlight[key]} runs");
                    }
                    runs.Add(job.Id);
                    order.GetOrAdd(key, _ => new()).Enqueue(job.Id);
                    inFlight.TryRemove(key, out _);
                    outbox.Complete(job, DispatchOutcome.Skipped, null);
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Empty(violations);
        Assert.Equal(added.Order(), runs.Order());
        Assert.All(order.Values, ids => Assert.Equal(ids.Order(), ids));
        Assert.Equal(new OutboxCounts(0, 0, keys * perKey), open(null, null).Counts());
    }
}
