using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aeg.IntegrationTests.Annotations;
using Aeg.Tickets;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>
/// The shared-store drill of issue 19: a real HAProxy (TCP mode, roundrobin, 500 ms health checks) in front of three
/// real <c>aeg run</c> instances (native when AEG_TEST_BINARY is set), all with <c>tickets.store: mariadb</c> on one
/// real MariaDB database; senders whose dedupe keys overlap across instances; one instance killed with SIGKILL
/// mid-stream while the senders go on. The webhook receiver (in process, following docs/tickets.md) counts what it
/// created and applied; the shared store says what was accepted.
/// </summary>
/// <remarks>
/// <para>TCP accounting: events written into the killed instance's connection but not yet committed to the store are
/// the sender's loss (TCP acknowledges bytes, not events). Each sender (<see cref="ReopeningSender"/>) frames with
/// RFC 6587 octet counting over a connection it reopens through HAProxy when it closes, and remembers which events
/// went over which connection. Events on connections still open must all be accepted; only events on a connection
/// that closed may be missing; the test, which knows what the store lacks (a real sender could not), sends those again
/// and then requires every event accepted exactly once.</para>
/// <para>Updates are at-least-once: a job whose update request was sent by the killed instance but whose completion
/// was not recorded runs again on a survivor once its lease is broken. Creates carry the Idempotency-Key header and the
/// receiver answers a repeat with the first ticket (one ticket per key); updates carry the event's id (the <c>job</c>
/// field, from <c>cn1</c>), on which the receiver dedupes, so each event's update is applied once. A repeat is allowed
/// only for a job that ran more than once (<c>runs</c> &gt; 1 in the store); the test asserts that.</para>
/// <para>Size: 20 keys x 10 events by default (CI, well under a minute); the issue's bar is
/// <c>AEG_SHARED_DRILL_KEYS=100 AEG_SHARED_DRILL_EVENTS=50</c>.</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedStoreHaproxyDrillTests(ITestOutputHelper output) : IDisposable
{
    private static readonly int Keys = Setting("AEG_SHARED_DRILL_KEYS", 20);
    private static readonly int EventsPerKey = Setting("AEG_SHARED_DRILL_EVENTS", 10);
    private const int Instances = 3, Senders = 6, Killed = 1;
    private const string DbPasswordVariable = "AEG_DRILL_DB_PASSWORD";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60 + Keys * EventsPerKey / 50);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static int Setting(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    /// <summary>
    /// A webhook receiver that applies idempotently: a create repeating an Idempotency-Key gets the first ticket back;
    /// an update repeating an event's <c>job</c> is not applied again. It counts tickets made per key, each job applied,
    /// and every repeat it absorbed.
    /// </summary>
    private sealed class Receiver
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, string> _ticketByIdempotencyKey = [];
        public Dictionary<string, List<string>> TicketsPerKey { get; } = [];
        public Dictionary<long, string> AppliedJobs { get; } = [];   // job → ticket it went to
        public Dictionary<long, int> Deliveries { get; } = [];        // job → requests carrying it
        public int RepeatedCreates { get; private set; }
        public List<string> Errors { get; } = [];

        public Reply Handle(RecordedRequest r, int n)
        {
            using var body = JsonDocument.Parse(r.Body);
            var fields = body.RootElement.GetProperty("fields");
            var key = fields.GetProperty("key").GetString()!;
            var job = long.Parse(fields.GetProperty("job").GetString()!, CultureInfo.InvariantCulture);
            lock (_lock)
            {
                Deliveries[job] = Deliveries.GetValueOrDefault(job) + 1;
                string ticket;
                if (body.RootElement.GetProperty("action").GetString() == "create")
                {
                    var idempotencyKey = r.Header(WebhookTicketAction.IdempotencyHeader);
                    if (idempotencyKey is null)
                    {
                        Errors.Add($"create of job {job} without {WebhookTicketAction.IdempotencyHeader}");
                        return new Reply(400, """{"error":"no idempotency key"}""");
                    }
                    if (_ticketByIdempotencyKey.TryGetValue(idempotencyKey, out var known))
                    {
                        RepeatedCreates++;
                        ticket = known;
                    }
                    else
                    {
                        ticket = $"T-{_ticketByIdempotencyKey.Count + 1}";
                        _ticketByIdempotencyKey[idempotencyKey] = ticket;
                        (TicketsPerKey.TryGetValue(key, out var list) ? list : TicketsPerKey[key] = []).Add(ticket);
                    }
                }
                else
                {
                    ticket = body.RootElement.GetProperty("ticketRef").GetString()!;
                }
                AppliedJobs.TryAdd(job, ticket);
                return new Reply(200, $$"""{"id":"{{ticket}}"}""");
            }
        }

        public T Read<T>(Func<Receiver, T> read)
        {
            lock (_lock)
            {
                return read(this);
            }
        }
    }

    private sealed class AsyncDisposables(IEnumerable<IAsyncDisposable> items) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var item in items)
            {
                await item.DisposeAsync();
            }
        }
    }

    private sealed record StoredJob(string State, string? Error, long Runs);

    [Fact]
    public async Task Three_aeg_run_behind_haproxy_on_one_mariadb_store_one_killed_mid_stream_make_one_ticket_per_key_and_apply_every_event_once()
    {
        var total = Keys * EventsPerKey;
        output.WriteLine($"{Keys} keys x {EventsPerKey} events = {total}, {Instances} instances, {Senders} senders, aeg: {string.Join(' ', AegBinary.Command)}");
        var receiver = new Receiver();
        await using var server = await InProcessHttpServer.StartAsync(receiver.Handle);
        await using var esm = await PollerHarness.CreateAsync();
        await using var store = await TestDatabase.CreateAsync();
        var ports = Enumerable.Range(0, Instances).Select(_ => FreePorts.Tcp()).ToArray();
        WriteRules();
        var instances = new AegProcess?[Instances];
        try
        {
            for (var i = 0; i < Instances; i++)
            {
                instances[i] = StartInstance(i, ports[i], esm, store, server);
            }
            for (var i = 0; i < Instances; i++)
            {
                await WaitForListenerAsync(instances[i]!, ports[i]);
            }
            await using var haproxy = await HaproxyBalancer.StartAsync(ports);
            var started = Stopwatch.StartNew();

            // Event n (1-based) is event (n-1)/Keys of key (n-1)%Keys; events go round the senders in that order, so each key's
            // events are spread over several senders and so over several instances.
            string KeyOf(long job) => $"k{(job - 1) % Keys}";
            string Cef(long job) => $"<134>Dec  6 05:00:00 drill CEF:0|Drill|Shared|1|100|shared drill|5|cs1={KeyOf(job)} cn1={job}";
            var senders = Enumerable.Range(0, Senders).Select(_ => new ReopeningSender(haproxy.Port)).ToArray();
            await using var closeSenders = new AsyncDisposables(senders);
            // Paced so the kill lands mid-stream: the stream lasts 4 s (CI size) to 20 s (the bar's size).
            var streamTime = TimeSpan.FromSeconds(Math.Clamp(total / 250.0, 4, 20));
            var pause = streamTime / (total / Senders + 1);
            var sending = senders.Select((sender, s) => Task.Run(async () =>
            {
                for (long job = s + 1; job <= total; job += Senders)
                {
                    await sender.SendAsync(job, Cef(job));
                    await Task.Delay(pause);   // the load's shape, not a synchronisation
                }
            })).ToArray();

            // kill -9 one instance once 40% of the events are accepted, preferably while it holds a job (so a job is cut off
            // mid-run; from 60% on, whatever it holds), while the senders go on.
            var victim = instances[Killed]!;
            var victimHolder = $"{Environment.MachineName}/{victim.Id}/";
            var heldAtKill = 0L;
            await WaitUntil.HoldsAsync(async () =>
            {
                var accepted = (await Jobs(store)).Count;
                heldAtKill = await HeldJobs(store, victimHolder);
                return accepted >= total * 2 / 5 && (heldAtKill > 0 || accepted >= total * 3 / 5);
            }, "40% of the events accepted", Deadline);
            var atKill = await Jobs(store);
            var killedAt = started.Elapsed;
            await victim.SignalAsync("KILL");
            await victim.WaitForExitAsync(Deadline);
            output.WriteLine($"killed aeg #{Killed + 1} (pid {victim.Id}) with SIGKILL at {killedAt.TotalSeconds:F1}s: {atKill.Count} of {total} accepted, " +
                $"{atKill.Values.Count(j => j.State == "done")} done, {heldAtKill} job(s) held by it just before");
            await Task.WhenAll(sending);
            var sentAt = started.Elapsed;

            // Everything on a connection still open must be accepted; only a closed connection may have swallowed events.
            var connections = senders.SelectMany(s => s.Connections).ToList();
            await WaitUntil.HoldsAsync(async () =>
            {
                var accepted = await Jobs(store);
                return connections.Where(c => !c.IsClosed).All(c => c.Jobs.All(accepted.ContainsKey));
            }, "every event on an open connection accepted", Deadline);
            var acceptedBeforeResend = await Jobs(store);
            var missing = Enumerable.Range(1, total).Select(j => (long)j).Where(j => !acceptedBeforeResend.ContainsKey(j)).ToList();
            var closed = connections.Where(c => c.IsClosed).ToList();
            var onClosed = closed.SelectMany(c => c.Jobs).ToHashSet();
            Assert.All(missing, j => Assert.True(onClosed.Contains(j), $"event {j} went over a connection that stayed open but was never accepted"));

            // What the kill swallowed, sent again over a new connection through HAProxy (which picks a live instance).
            await using (var resender = new ReopeningSender(haproxy.Port))
            {
                foreach (var job in missing)
                {
                    await resender.SendAsync(job, Cef(job));
                }
                await WaitUntil.HoldsAsync(async () => (await Jobs(store)).Count >= total, "every event accepted after the resend", Deadline);
            }
            await WaitUntil.HoldsAsync(async () => (await Jobs(store)).Values.All(j => j.State != "pending"), "no job pending", Deadline,
                () => "survivors' output:\n" + Tail(instances[0]!) + "\n" + Tail(instances[2]!));
            var finishedAt = started.Elapsed;
            foreach (var survivor in instances.Where((_, i) => i != Killed))
            {
                await survivor!.SignalAsync("TERM");
                Assert.Equal(0, await survivor.WaitForExitAsync(Deadline));
            }

            var final = await Jobs(store);
            var tickets = receiver.Read(x => x.TicketsPerKey.ToDictionary(k => k.Key, k => k.Value.ToList()));
            var applied = receiver.Read(x => x.AppliedJobs.ToDictionary());
            var deliveries = receiver.Read(x => x.Deliveries.ToDictionary());
            var repeated = deliveries.Where(d => d.Value > 1).Select(d => d.Key).ToList();
            var reruns = final.Where(j => j.Value.Runs > 1).Select(j => j.Key).ToHashSet();
            output.WriteLine($"DRILL shared store, HAProxy + {Instances} x aeg run: keys={Keys} events={total} tickets={tickets.Values.Sum(t => t.Count)} " +
                $"accepted={final.Count} done={final.Values.Count(j => j.State == "done")} dead={final.Values.Count(j => j.State == "dead")} " +
                $"lost-in-killed-connections-and-resent={missing.Count} connections={connections.Count} (closed by the kill {closed.Count}) " +
                $"jobs-run-again={reruns.Count} repeated-deliveries={repeated.Count} repeated-creates-answered-by-idempotency-key={receiver.Read(x => x.RepeatedCreates)}; " +
                $"killed #{Killed + 1} at {killedAt.TotalSeconds:F1}s after {atKill.Count} accepted; sent by {sentAt.TotalSeconds:F1}s, all done at {finishedAt.TotalSeconds:F1}s");

            Assert.Empty(receiver.Read(x => x.Errors.ToList()));
            Assert.True(atKill.Count < total, "the kill came after every event was accepted: not mid-stream");
            // Exactly one ticket per key.
            Assert.Equal(Enumerable.Range(0, Keys).Select(k => $"k{k}").Order(), tickets.Keys.Order());
            Assert.All(tickets, t => Assert.True(t.Value.Count == 1, $"key {t.Key}: {t.Value.Count} tickets ({string.Join(", ", t.Value)})"));
            // Every event accepted once, delivered (the receiver never fails, so nothing may be a dead letter), applied once, to its key's ticket.
            Assert.Equal(Enumerable.Range(1, total).Select(j => (long)j), final.Keys.Order());
            Assert.All(final, j => Assert.True(j.Value.State == "done", $"job {j.Key} is {j.Value.State}: {j.Value.Error}"));
            Assert.Equal(final.Keys.Order(), applied.Keys.Order());
            Assert.All(applied, a => Assert.Equal(tickets[KeyOf(a.Key)].Single(), a.Value));
            // A request repeated only for a job that ran again after the kill.
            Assert.All(repeated, j => Assert.True(reruns.Contains(j), $"job {j} was delivered {deliveries[j]} times but ran once"));
            Assert.DoesNotContain(victimHolder, await StoredHolders(store));
        }
        finally
        {
            foreach (var instance in instances)
            {
                instance?.Dispose();
            }
        }
    }

    private void WriteRules()
    {
        Directory.CreateDirectory(_dir.File("rules"));
        File.WriteAllText(_dir.File("rules/drill.yaml"), """
            rules:
              - name: shared-drill
                when:
                  - { field: deviceVendor, equals: Drill }
                dedupe: "{{cs1}}"
                actions:
                  - target: hook
                    create: { key: "{{cs1}}", job: "{{cn1}}" }
                    update: { key: "{{cs1}}", job: "{{cn1}}" }
            """);
    }

    // A long webhook timeout: the receiver never fails, so an HTTP-level retry (a repeat with runs = 1) would only come from a
    // timeout on a loaded machine, and the repeat assertion is about repeats the kill causes.
    private AegProcess StartInstance(int index, int port, PollerHarness esm, TestDatabase store, InProcessHttpServer server)
    {
        var name = $"aeg-{index + 1}";
        var dir = _dir.File(name);
        Directory.CreateDirectory(dir);
        var o = esm.Db.Options;
        var config = Path.Combine(dir, "aeg.yaml");
        File.WriteAllText(config, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: {{DbPasswordVariable}}, sslMode: None }
            poller: { batchSize: 10, firstStart: beginning, interval: 5s }
            state: { directory: {{dir}} }
            ha: { database: {{store.Name}} }
            syslog: { host: 127.0.0.1, port: {{FreePorts.Udp()}}, protocol: udp }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            hostName: {{name}}
            listen:
              listeners: [{ protocol: tcp, address: 127.0.0.1, port: {{port}} }]
            rules: { path: {{_dir.File("rules")}} }
            tickets:
              store: mariadb
              workers: 4
              drainTimeout: 1s
              outbox: { lease: 3s }
              systems:
                hook: { type: webhook, url: "{{server.BaseUrl}}", auth: none, timeout: 30s, retry: { maxAttempts: 5, baseDelay: 10ms, maxDelay: 100ms } }
            """);
        return AegProcess.Start(["run", "--config", config], new Dictionary<string, string> { [DbPasswordVariable] = esm.Db.Password });
    }

    private static async Task WaitForListenerAsync(AegProcess aeg, int port) =>
        await WaitUntil.HoldsAsync(async () =>
        {
            Assert.False(aeg.HasExited, aeg.Output);
            using var probe = new System.Net.Sockets.TcpClient();
            try
            {
                await probe.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, $"aeg to listen on {port}", Deadline, () => aeg.Output, every: TimeSpan.FromMilliseconds(50));

    private static string Tail(AegProcess aeg) => aeg.Output[^Math.Min(3000, aeg.Output.Length)..];

    // The jobs in the shared store by their event's number (cn1 of the raw event); an event accepted twice fails here.
    private static async Task<Dictionary<long, StoredJob>> Jobs(TestDatabase store)
    {
        await using var connection = await store.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT raw_event, state, error, runs FROM ticket_jobs";
        var jobs = new Dictionary<long, StoredJob>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var raw = reader.GetString(0);
                var job = long.Parse(raw[(raw.IndexOf("cn1=", StringComparison.Ordinal) + 4)..].Trim(), CultureInfo.InvariantCulture);
                Assert.True(jobs.TryAdd(job, new StoredJob(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3))),
                    $"event {job} accepted twice");
            }
        }
        catch (System.Data.Common.DbException) when (jobs.Count == 0)
        {
            // The first instance has not created the tables yet.
        }
        return jobs;
    }

    // Pending jobs under a lease of the holder whose id starts with <paramref name="holder"/> (host/pid/).
    private static async Task<long> HeldJobs(TestDatabase store, string holder)
    {
        await using var connection = await store.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM ticket_jobs WHERE state = 'pending' AND claimed_by LIKE CONCAT(@holder, '%')";
        Aeg.Annotations.AnnotationDatabase.AddParameter(command, "@holder", holder);
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        catch (System.Data.Common.DbException)
        {
            return 0;   // the tables do not exist yet
        }
    }

    // Every holder still named on a job or key claim; the killed instance's must be gone (broken by a survivor).
    private static async Task<string> StoredHolders(TestDatabase store)
    {
        await using var connection = await store.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT claimed_by FROM ticket_jobs WHERE claimed_by IS NOT NULL UNION SELECT claimed_by FROM ticket_key_claims WHERE claimed_by IS NOT NULL";
        await using var reader = await command.ExecuteReaderAsync();
        var holders = new List<string>();
        while (await reader.ReadAsync())
        {
            holders.Add(reader.GetString(0));
        }
        return string.Join('\n', holders);
    }
}
