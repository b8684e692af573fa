using System.Net;
using System.Text;
using System.Text.Json;
using Aeg.Daemon;
using Aeg.Esm;
using Aeg.Esm.Cases;
using Aeg.IntegrationTests.Tickets;
using Aeg.Tickets;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// The case drill of issue 21 against <see cref="EsmServiceLayerDocumentedApiServer"/> (the ESM Service Layer written from
/// its public documentation: CaseService findAllIds / getResourceById / getCaseEventIDs / update; no ESM can run here)
/// failing 10% of calls at random (429, 503, dropped connections) with one token expiry: case changes across 20 polls,
/// a graceful restart and a simulated crash between the outbox commit and the cursor write (the in-process daemon: the
/// kill -9 variant with the native aeg is <see cref="EsmCaseKillDrillTests"/>). Every case is ticketed exactly once, every
/// change reaches its ticket, no job is queued twice, and no password or token is in any output.
/// </summary>
public sealed class EsmCaseDrillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly string _variable = "AEG_TEST_ESM_PW_" + Guid.NewGuid().ToString("N")[..8];
    private readonly LogCapture _log = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;
    private static readonly long T0 = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        Environment.SetEnvironmentVariable(_variable, _esm.Password);
    }

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        Environment.SetEnvironmentVariable(_variable, null);
        _dir.Dispose();
        _log.Dispose();
    }

    /// <summary>The drill's case changes: per round <paramref name="fresh"/> new cases and <paramref name="edits"/> edits of older ones (name and stage change).</summary>
    internal sealed class CaseScript(EsmServiceLayerDocumentedApiServer esm, int fresh, int edits, string prefix, Func<int, long>? clock = null)
    {
        private readonly Random _random = new(21);
        private readonly List<string> _ids = [];
        public Dictionary<string, string> LatestName { get; } = [];
        public int Changes { get; private set; }

        public void Round(int round)
        {
            var at = clock?.Invoke(round) ?? T0 + round * 10_000L;
            // Edits first, of cases made in earlier rounds; some edits share a millisecond (the keyset's tie-break on id).
            foreach (var id in _ids.OrderBy(_ => _random.Next()).Take(Math.Min(edits, _ids.Count)).ToList())
            {
                var name = $"{prefix} {id} edited in round {round}";
                esm.AddCase(EsmTestKit.Case(id, at + _random.Next(3), name, stage: "FOLLOW_UP", eventIds: [round, round + 1]));
                LatestName[id] = name;
                Changes++;
            }
            // The first round has no older case to edit: it opens that many more.
            var opened = _ids.Count == 0 ? fresh + edits : fresh;
            for (var i = 0; i < opened; i++)
            {
                var id = $"{prefix}-{round:D2}-{i:D3}";
                var name = $"{prefix} {id} opened in round {round}";
                esm.AddCase(EsmTestKit.Case(id, at + 5 + _random.Next(3), name, eventIds: i % 3 == 0 ? null : [round * 1000 + i]));
                _ids.Add(id);
                LatestName[id] = name;
                Changes++;
            }
        }
    }

    private async Task PollAsync(EsmCasePoller poller)
    {
        // As the daemon's loop does: a poll that fails after its retries is run again from the saved cursor.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await poller.PollOnceAsync(CancellationToken.None);
                return;
            }
            catch (EsmException ex) when (attempt < 5)
            {
                output.WriteLine($"poll attempt {attempt} failed: {ex.Message}");
            }
        }
    }

    [Fact]
    public async Task A_thousand_case_changes_in_20_polls_with_10_percent_faults_a_token_expiry_a_restart_and_a_crash_make_one_ticket_per_case()
    {
        var receiver = new CaseTicketReceiver();
        await using var hook = await InProcessHttpServer.StartAsync(receiver.Handle);
        File.WriteAllText(_dir.File("rules.yaml"), EsmCaseConfig.Rule("hook"));
        var config = _dir.File("aeg.yaml");
        File.WriteAllText(config, EsmCaseConfig.Yaml(_dir.Path, _esm, _variable, "pollInterval: 1d, batchSize: 25, lookBack: 10ms",
            $$"""      hook: { type: webhook, url: "{{hook.BaseUrl}}", auth: none, retry: { maxAttempts: 3, baseDelay: 5ms, maxDelay: 50ms } }""", maxAttempts: 10));
        var script = new CaseScript(_esm, fresh: 40, edits: 10, prefix: "drill");
        _esm.FaultSeed = 2121;
        _esm.RandomFaultShare = 0.10;
        var pipeline = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);
        var cursorFile = EsmCaseCursorFile.DefaultPath(Path.Combine(_dir.Path, "state"));
        try
        {
            for (var round = 0; round < 20; round++)
            {
                script.Round(round);
                if (round == 7)
                {
                    _esm.ExpireAllTokens();
                }
                if (round == 10)
                {
                    // A graceful restart while jobs are still being sent.
                    await pipeline.DisposeAsync();
                    pipeline = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);
                    continue; // its first poll took this round
                }
                if (round == 15)
                {
                    // A crash after the outbox commit, before the cursor write: the cursor file is the one before the poll.
                    var before = File.ReadAllBytes(cursorFile);
                    await PollAsync(pipeline.Cases!);
                    await pipeline.DisposeAsync();
                    File.WriteAllBytes(cursorFile, before);
                    pipeline = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);
                    continue;
                }
                await PollAsync(pipeline.Cases!);
            }
            _esm.RandomFaultShare = 0;
            await PollAsync(pipeline.Cases!);
            await WaitUntil.HoldsAsync(() => receiver.Read(r => script.LatestName.All(c => r.LastFields.TryGetValue(c.Key, out var f)
                    && (f.TryGetProperty("comment", out var comment) ? comment.GetString()!.EndsWith(c.Value, StringComparison.Ordinal) : f.GetProperty("subject").GetString()!.EndsWith(c.Value, StringComparison.Ordinal))))
                    && pipeline.Tickets.Outbox.Counts().Pending == 0,
                "every case's latest change in its ticket", TimeSpan.FromMinutes(5),
                () => $"{receiver.Read(r => r.CreatesPerCase.Count)} cases ticketed of {script.LatestName.Count}; outbox {pipeline.Tickets.Outbox.Counts()}");
            Assert.Equal(new OutboxCounts(0, 0, pipeline.Tickets.Outbox.Counts().Done), pipeline.Tickets.Outbox.Counts());
        }
        finally
        {
            await pipeline.DisposeAsync();
        }

        Assert.Equal(1000, script.Changes);
        Assert.Equal(810, script.LatestName.Count);
        var creates = receiver.Read(r => new Dictionary<string, int>(r.CreatesPerCase));
        Assert.Equal(810, creates.Count);
        Assert.All(creates, c => Assert.Equal(1, c.Value));
        // Ids deterministic across the restarts: each case's idempotency key is the one derived from its id alone.
        Assert.All(receiver.Read(r => r.IdempotencyKeys.ToList()), k => Assert.Equal(TicketIdempotency.Key("hook", EsmCasePoller.DedupeKey(k.Key)), k.Value));
        // The crash re-read a whole poll's cases: none was queued twice.
        var repeated = RepeatedJobs();
        Assert.True(repeated.Count == 0, "queued twice: " + string.Join(", ", repeated.Take(5)));
        Assert.True(_esm.RandomFaults.Values.Sum() > 500, $"only {_esm.RandomFaults.Values.Sum()} faults were injected");
        Assert.True(_esm.Logins >= 2, "the expired token was not replaced by a new login");
        ScanForSecrets(receiver.Read(r => string.Join("\n", r.Bodies)));
        output.WriteLine($"faults {string.Join(", ", _esm.RandomFaults.Select(f => $"{f.Key}={f.Value}"))}; logins {_esm.Logins}; calls {_esm.Calls.Values.Sum()}; updates {receiver.Read(r => r.UpdatesPerCase.Values.Sum())}");
    }

    // (target, key, raw event) of every job ever queued, more than once.
    private List<string> RepeatedJobs()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = TicketStore.DefaultPath(Path.Combine(_dir.Path, "state")), Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT target || ' ' || dedupe_key, COUNT(*) FROM ticket_jobs GROUP BY target, dedupe_key, raw_event HAVING COUNT(*) > 1";
        using var reader = command.ExecuteReader();
        var repeated = new List<string>();
        while (reader.Read())
        {
            repeated.Add($"{reader.GetString(0)} x{reader.GetInt64(1)}");
        }
        return repeated;
    }

    // Every secret in the forms it could leak in, against the log, what the ticket system got, and every file of the state directory.
    private void ScanForSecrets(string received)
    {
        var secrets = _esm.IssuedTokens.Append(_esm.Password).SelectMany(s => new[] { s, Uri.EscapeDataString(s), WebUtility.UrlEncode(s) }).Distinct().ToList();
        Assert.True(secrets.Count >= 3);
        var texts = new Dictionary<string, byte[]>
        {
            ["log"] = Encoding.UTF8.GetBytes(_log.Text),
            ["ticket requests"] = Encoding.UTF8.GetBytes(received),
        };
        foreach (var file in Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".pem", StringComparison.Ordinal) && !f.EndsWith(".yaml", StringComparison.Ordinal)))
        {
            texts[file] = File.ReadAllBytes(file);
        }
        foreach (var (where, bytes) in texts)
        {
            foreach (var secret in secrets)
            {
                Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0, $"a secret is in {where}");
            }
        }
    }
}
