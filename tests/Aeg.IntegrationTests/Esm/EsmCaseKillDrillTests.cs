using System.Net;
using System.Text;
using Aeg.Esm.Cases;
using Aeg.Tickets;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// The case drill with the real <c>aeg listen</c> (native when <c>AEG_TEST_BINARY</c> is set) killed with SIGKILL twice
/// while it polls <see cref="EsmServiceLayerDocumentedApiServer"/> (the ESM Service Layer written from its public
/// documentation, CaseService findAllIds / getResourceById / getCaseEventIDs; no ESM can run here) failing 10% of calls
/// (429, 503, dropped connections) with one token expiry, and sends tickets to an in-process webhook receiver:
/// 1,000 case changes in 20 rounds; every case ticketed exactly once with its latest change, no job queued twice,
/// the same idempotency key per case after every restart. Then a round the receiver refuses (400 echoing the request
/// line, headers and body, as a careless server's error page does) leaves dead letters, and <c>aeg tickets list</c> and
/// <c>aeg tickets retry</c> run. The secret scan covers every output of every process — stdout, stderr, the debug log
/// files, the dead letters (in the outbox), every file of the state directory (SQLite read as bytes), the
/// <c>aeg tickets</c> output and what the receiver got — for the ESM password, every token the server issued, and the
/// ticket system's credentials (the webhook's HMAC secret and the secret path segment and query key of its address).
/// </summary>
public sealed class EsmCaseKillDrillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private const string PasswordVariable = "AEG_DRILL_ESM_PASSWORD", HookUrlVariable = "AEG_DRILL_HOOK_URL", HookHmacVariable = "AEG_DRILL_HOOK_HMAC";
    private const string HookPathSecret = "HOOKPATHSECRET0451", HookQuerySecret = "HOOKQUERYKEY7781", HookHmacSecret = "HOOKHMACSECRET-3141";
    private EsmServiceLayerDocumentedApiServer _esm = null!;

    public async Task InitializeAsync() => _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        _dir.Dispose();
    }

    private string State => Path.Combine(_dir.Path, "state");

    private long Pending()
    {
        var path = TicketStore.DefaultPath(State);
        if (!File.Exists(path))
        {
            return -1;
        }
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM ticket_jobs WHERE state <> 'done'";
        return (long)command.ExecuteScalar()!;
    }

    private long Dead()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = TicketStore.DefaultPath(State), Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM ticket_jobs WHERE state = 'dead'";
        return (long)command.ExecuteScalar()!;
    }

    // Answers like a careless server's error page: 400 (permanent: a dead letter at once) echoing all it got.
    private static Reply Echo(RecordedRequest r, int n)
    {
        var text = new StringBuilder($"rejected {r.Method} {r.Path}\n");
        foreach (var (name, value) in r.Headers)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {value}\n");
        }
        return new Reply(400, text.Append("body: ").Append(r.Body).ToString());
    }

    private List<string> RepeatedJobs()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = TicketStore.DefaultPath(State), Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT dedupe_key, COUNT(*) FROM ticket_jobs GROUP BY target, dedupe_key, raw_event HAVING COUNT(*) > 1";
        using var reader = command.ExecuteReader();
        var repeated = new List<string>();
        while (reader.Read())
        {
            repeated.Add($"{reader.GetString(0)} x{reader.GetInt64(1)}");
        }
        return repeated;
    }

    private static bool AllLatest(CaseTicketReceiver receiver, EsmCaseDrillTests.CaseScript script) => receiver.Read(r => script.LatestName.All(c =>
        r.LastFields.TryGetValue(c.Key, out var f)
        && (f.TryGetProperty("comment", out var comment) ? comment.GetString()! : f.GetProperty("subject").GetString()!).EndsWith(c.Value, StringComparison.Ordinal)));

    [Fact]
    public async Task Aeg_listen_polling_cases_killed_with_sigkill_twice_ticketes_each_of_a_thousand_case_changes_once()
    {
        var receiver = new CaseTicketReceiver();
        await using var hook = await InProcessHttpServer.StartAsync(receiver.Handle);
        File.WriteAllText(_dir.File("rules.yaml"), EsmCaseConfig.Rule("hook"));
        var config = _dir.File("aeg.yaml");
        File.WriteAllText(config, EsmCaseConfig.Yaml(_dir.Path, _esm, PasswordVariable, "pollInterval: 200ms, batchSize: 50, lookBack: 1s",
            $$"""      hook: { type: webhook, urlEnv: {{HookUrlVariable}}, auth: hmac, tokenEnv: {{HookHmacVariable}}, retry: { maxAttempts: 3, baseDelay: 5ms, maxDelay: 50ms } }""", maxAttempts: 10)
            + $"\nlisten:\n  listeners: []\nlogging: {{ directory: {_dir.File("logs")}, level: debug }}\n");
        var environment = new Dictionary<string, string>
        {
            [PasswordVariable] = _esm.Password,
            // The ticket system's credentials: an address whose path and query carry a key (urlEnv), and an HMAC secret.
            [HookUrlVariable] = $"{hook.BaseUrl.ToString().TrimEnd('/')}/hooks/{HookPathSecret}?key={HookQuerySecret}",
            [HookHmacVariable] = HookHmacSecret,
        };
        // Modification times from the wall clock, as ESM stamps them, while aeg polls concurrently.
        var script = new EsmCaseDrillTests.CaseScript(_esm, fresh: 40, edits: 10, prefix: "kill", clock: _ => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _esm.FaultSeed = 4242;
        _esm.RandomFaultShare = 0.10;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var outputs = new StringBuilder();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var aeg = AegProcess.Start(["listen", "--config", config], environment);
        try
        {
            for (var round = 0; round < 20; round++)
            {
                script.Round(round);
                if (round == 7)
                {
                    _esm.ExpireAllTokens();
                }
                Assert.False(aeg.HasExited, aeg.Output);
                if (round is not (5 or 12))
                {
                    // Between kills every round reaches its tickets, so later edits are ticket updates.
                    await WaitUntil.HoldsAsync(() => AllLatest(receiver, script), $"round {round} in the tickets", TimeSpan.FromMinutes(2),
                        () => $"{Pending()} jobs not done\n{aeg.Output[^Math.Min(3000, aeg.Output.Length)..]}");
                }
                else
                {
                    // The kill lands at a random moment while aeg reads, queues and sends this round (not a synchronisation).
                    await Task.Delay(random.Next(0, 600));
                    aeg.KillHard();
                    await aeg.WaitForExitAsync(TimeSpan.FromSeconds(30));
                    outputs.Append(aeg.Output);
                    output.WriteLine($"round {round}: killed with SIGKILL; {Pending()} job(s) not done yet; cursor {(File.Exists(EsmCaseCursorFile.DefaultPath(State)) ? File.ReadAllText(EsmCaseCursorFile.DefaultPath(State)).Trim() : "not written yet")}");
                    aeg.Dispose();
                    aeg = AegProcess.Start(["listen", "--config", config], environment);
                }
            }
            await WaitUntil.HoldsAsync(() => AllLatest(receiver, script) && Pending() == 0,
                "every case's latest change in its ticket", TimeSpan.FromMinutes(5),
                () => $"{receiver.Read(r => r.CreatesPerCase.Count)} of {script.LatestName.Count} cases ticketed; {Pending()} jobs not done\n{aeg.Output[^Math.Min(3000, aeg.Output.Length)..]}");
            await aeg.SignalAsync("TERM");
            Assert.Equal(0, await aeg.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            outputs.Append(aeg.Output);
        }
        finally
        {
            aeg.Dispose();
        }
        var creates = receiver.Read(r => new Dictionary<string, int>(r.CreatesPerCase));
        var ticketBodies = receiver.Read(r => string.Join("\n", r.Bodies));
        var changes = script.Changes;

        // Dead letters whose error text is the receiver's echo of the request, then the ticket commands that show and replay them.
        hook.Handler = Echo;
        script.Round(20);
        using (var refused = AegProcess.Start(["listen", "--config", config], environment))
        {
            await WaitUntil.HoldsAsync(() => Dead() >= 50 && Pending() == Dead(), "the refused round's jobs are dead letters", TimeSpan.FromMinutes(2),
                () => $"{Dead()} dead, {Pending()} not done\n{refused.Output[^Math.Min(3000, refused.Output.Length)..]}");
            await refused.SignalAsync("TERM");
            Assert.Equal(0, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            outputs.Append('\n').Append(refused.Output);
        }
        var list = await AegProcess.RunAsync(["tickets", "list", "--config", config], environment);
        Assert.Equal(0, list.Exit);
        var deadLines = list.Stdout.Split('\n').Where(l => l.StartsWith("dead letter ", StringComparison.Ordinal)).ToList();
        output.WriteLine("aeg tickets list, a dead letter: " + deadLines.FirstOrDefault());
        Assert.Equal(Dead(), deadLines.Count);
        Assert.All(deadLines, l => Assert.Contains("400", l, StringComparison.Ordinal));
        var retry = await AegProcess.RunAsync(["tickets", "retry", "--config", config], environment);
        Assert.NotEqual(0, retry.Exit); // the receiver still refuses: the dead letters stay
        outputs.Append('\n').Append(list.Output).Append('\n').Append(retry.Output);

        output.WriteLine($"DRILL esm cases kill -9 x2: changes={changes} cases={script.LatestName.Count} created={creates.Values.Sum()} " +
            $"max-creates-per-case={creates.Values.DefaultIfEmpty(0).Max()} updates={receiver.Read(r => r.UpdatesPerCase.Values.Sum())} " +
            $"faults={string.Join("/", _esm.RandomFaults.Select(f => $"{f.Key}:{f.Value}"))} logins={_esm.Logins} esm-calls={_esm.Requests.Count} kill-seed={seed} in {started.Elapsed.TotalSeconds:F1}s");
        Assert.Equal(1000, changes);
        Assert.Equal(script.LatestName.Keys.Where(k => !k.StartsWith("kill-20-", StringComparison.Ordinal)).Order(), creates.Keys.Order());
        Assert.All(creates, c => Assert.True(c.Value == 1, $"case {c.Key}: {c.Value} tickets"));
        Assert.All(receiver.Read(r => r.IdempotencyKeys.ToList()), k => Assert.Equal(TicketIdempotency.Key("hook", EsmCasePoller.DedupeKey(k.Key)), k.Value));
        var repeated = RepeatedJobs();
        Assert.True(repeated.Count == 0, "queued twice: " + string.Join(", ", repeated.Take(5)));
        // 10% of the calls, all through the drill (the share is drawn per call: at least 7% of them).
        Assert.True(_esm.RandomFaults.Values.Sum() > _esm.Requests.Count * 0.07, $"only {_esm.RandomFaults.Values.Sum()} faults in {_esm.Requests.Count} calls");

        var secrets = _esm.IssuedTokens.Append(_esm.Password).Concat([HookHmacSecret, HookPathSecret, HookQuerySecret])
            .SelectMany(s => new[] { s, Uri.EscapeDataString(s), WebUtility.UrlEncode(s) }).Distinct().ToList();
        Assert.True(_esm.IssuedTokens.Count >= 2, "the drill saw fewer than two ESM tokens");
        var places = new Dictionary<string, byte[]>
        {
            ["aeg output (stdout and stderr of every run, aeg tickets list and retry)"] = Encoding.UTF8.GetBytes(outputs.ToString()),
            ["ticket requests"] = Encoding.UTF8.GetBytes(ticketBodies),
        };
        // The state directory (outbox with its dead letters, dedupe store, cursor), the log files and the dead-letter folder, as bytes.
        foreach (var file in Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories))
        {
            places[file] = File.ReadAllBytes(file);
        }
        Assert.Contains(places.Keys, p => p.Contains("/logs/", StringComparison.Ordinal) && p.EndsWith(".log", StringComparison.Ordinal));
        Assert.Contains(places.Keys, p => p.EndsWith(".db", StringComparison.Ordinal));
        foreach (var (where, bytes) in places)
        {
            Assert.All(secrets, s => Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(s)) >= 0, $"a secret is in {where}"));
        }
    }
}
