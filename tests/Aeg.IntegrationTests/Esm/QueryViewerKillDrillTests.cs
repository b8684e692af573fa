using System.Globalization;
using System.Net;
using System.Text;
using Aeg.Esm.QueryViewers;
using Aeg.Tickets;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// The query-viewer source with the real <c>aeg listen</c> (native when <c>AEG_TEST_BINARY</c> is set) killed with
/// SIGKILL twice while it polls <see cref="EsmServiceLayerDocumentedApiServer"/> (QueryViewerService.getMatrixData written
/// from the ESM Service Layer documentation and its public clients; no ESM can run here) failing 5% of calls, with one
/// token expiry: rows appear in a sliding window of the viewer's result; each row reaches the rules exactly once
/// (one ticket job per row, none queued twice; 3,000 rows in CI, AEG_QV_DRILL_ROWS for more), every row is ticketed, and no password or token is in any output.
/// </summary>
public sealed class QueryViewerKillDrillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Viewer = "HQueryViewerUBABC7Y3dBjvLxA==";
    private const string PasswordVariable = "AEG_DRILL_ESM_PASSWORD";
    // CI runs 3,000 rows; AEG_QV_DRILL_ROWS=10000 is the issue's bar (figures in benchmarks/RESULTS.md).
    private static readonly int Rows = int.TryParse(Environment.GetEnvironmentVariable("AEG_QV_DRILL_ROWS"), out var rows) && rows >= 100 ? rows / 10 * 10 : 3_000;
    private const int Rounds = 10;
    private static readonly int Window = Rows * 3 / 10;
    private static readonly string[] Columns = ["Event ID", "End Time", "Name"];
    private readonly TempDirectory _dir = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;

    public async Task InitializeAsync() => _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        _dir.Dispose();
    }

    private string State => Path.Combine(_dir.Path, "state");

    private (long Queued, long NotDone, List<string> Repeated) Jobs()
    {
        var path = TicketStore.DefaultPath(State);
        if (!File.Exists(path))
        {
            return (0, 0, []);
        }
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(SUM(state <> 'done'), 0) FROM ticket_jobs";
        long queued, notDone;
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            (queued, notDone) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        command.CommandText = "SELECT dedupe_key, COUNT(*) FROM ticket_jobs GROUP BY target, dedupe_key HAVING COUNT(*) > 1";
        var repeated = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                repeated.Add($"{reader.GetString(0)} x{reader.GetInt64(1)}");
            }
        }
        return (queued, notDone, repeated);
    }

    // The viewer's result after round r: the newest Window rows of the first (r + 1) × Rows/Rounds, ten per millisecond
    // (the id breaks ties), newest first as a viewer sorted on End Time descending shows them.
    private static IEnumerable<string[]> Result(int round)
    {
        var end = (round + 1) * (Rows / Rounds);
        return Enumerable.Range(Math.Max(0, end - Window), Math.Min(end, Window)).Reverse()
            .Select(i => new[] { (7_000_000 + i).ToString(CultureInfo.InvariantCulture), (1_765_000_000_000L + i / 10).ToString(CultureInfo.InvariantCulture), $"alert {i}" });
    }

    [Fact]
    public async Task Aeg_listen_polling_a_query_viewer_killed_with_sigkill_twice_hands_each_row_to_the_rules_once()
    {
        var receiver = new CaseTicketReceiver();
        await using var hook = await InProcessHttpServer.StartAsync(receiver.Handle);
        File.WriteAllText(_dir.File("rules.yaml"), """
            rules:
              - name: from-query-viewer
                when: [{ field: deviceProduct, equals: QueryViewer }]
                dedupe: "qv-{{ad.Event_ID}}"
                actions:
                  - target: hook
                    create: { subject: "{{ad.Name}}", case: "{{ad.Event_ID}}" }
            """);
        var config = _dir.File("aeg.yaml");
        File.WriteAllText(config, $$"""
            state: { directory: {{State}} }
            rules: { path: {{_dir.File("rules.yaml")}} }
            listen: { listeners: [] }
            esm:
              url: "{{_esm.BaseUrl}}"
              user: {{_esm.User}}
              passwordEnv: {{PasswordVariable}}
              caFile: {{_esm.CaFile}}
              retry: { maxAttempts: 10, baseDelay: 5ms, maxDelay: 200ms }
              queryViewers: [{ id: "{{Viewer}}", idColumn: "Event ID", timeColumn: "End Time", pollInterval: 1s, batchSize: 500 }]
            tickets:
              workers: 4
              drainTimeout: 2s
              systems:
                hook: { type: webhook, url: "{{hook.BaseUrl}}", auth: none, retry: { maxAttempts: 3, baseDelay: 5ms, maxDelay: 50ms } }
            """);
        var environment = new Dictionary<string, string> { [PasswordVariable] = _esm.Password };
        _esm.FaultSeed = 2323;
        _esm.RandomFaultShare = 0.05;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var outputs = new StringBuilder();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var aeg = AegProcess.Start(["listen", "--config", config], environment);
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                _esm.SetQueryViewer(Viewer, Columns, Result(round));
                if (round == 4)
                {
                    _esm.ExpireAllTokens();
                }
                Assert.False(aeg.HasExited, aeg.Output);
                var upTo = (round + 1) * (Rows / Rounds);
                if (round is not (3 or 7))
                {
                    // Between kills each round is ticketed before the window slides on, as a viewer polled more often than it fills.
                    await WaitUntil.HoldsAsync(() => receiver.Read(r => r.CreatesPerCase.Count) == upTo, $"round {round}'s rows in tickets", TimeSpan.FromMinutes(2),
                        () => $"{receiver.Read(r => r.CreatesPerCase.Count)} of {upTo} rows ticketed; {Jobs().NotDone} jobs not done\n{aeg.Output[^Math.Min(3000, aeg.Output.Length)..]}");
                }
                else
                {
                    // The kill lands at a random moment while aeg polls, queues and sends this round (not a synchronisation).
                    await Task.Delay(random.Next(0, 1500));
                    aeg.KillHard();
                    await aeg.WaitForExitAsync(TimeSpan.FromSeconds(30));
                    outputs.Append(aeg.Output);
                    var cursor = QueryViewerPoller.CursorPath(State, Viewer);
                    output.WriteLine($"round {round}: killed with SIGKILL; {Jobs().Queued} jobs queued, {Jobs().NotDone} not done; cursor {(File.Exists(cursor) ? File.ReadAllText(cursor).Trim() : "not written yet")}");
                    aeg.Dispose();
                    aeg = AegProcess.Start(["listen", "--config", config], environment);
                }
            }
            await WaitUntil.HoldsAsync(() => receiver.Read(r => r.CreatesPerCase.Count) == Rows && Jobs().NotDone == 0, "every row ticketed", TimeSpan.FromMinutes(3),
                () => $"{receiver.Read(r => r.CreatesPerCase.Count)} of {Rows} rows ticketed; {Jobs().NotDone} jobs not done\n{aeg.Output[^Math.Min(3000, aeg.Output.Length)..]}");
            await aeg.SignalAsync("TERM");
            Assert.Equal(0, await aeg.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            outputs.Append(aeg.Output);
        }
        finally
        {
            aeg.Dispose();
        }

        var (queued, notDone, repeated) = Jobs();
        var creates = receiver.Read(r => new Dictionary<string, int>(r.CreatesPerCase));
        output.WriteLine($"DRILL query viewer kill -9 x2: rows={Rows} jobs={queued} repeated={repeated.Count} tickets={creates.Count} " +
            $"posts={hook.Requests.Count} faults={string.Join("/", _esm.RandomFaults.Select(f => $"{f.Key}:{f.Value}"))} logins={_esm.Logins} " +
            $"esm-calls={_esm.Requests.Count} kill-seed={seed} in {started.Elapsed.TotalSeconds:F1}s");
        Assert.True(repeated.Count == 0, "rows queued twice: " + string.Join(", ", repeated.Take(5)));
        Assert.Equal(Rows, queued);
        Assert.Equal(0, notDone);
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => (7_000_000 + i).ToString(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal), creates.Keys.Order(StringComparer.Ordinal));
        Assert.All(creates, c => Assert.True(c.Value == 1, $"row {c.Key}: {c.Value} tickets"));
        Assert.True(_esm.RandomFaults.Values.Sum() > 0, "no fault was injected");

        var secrets = _esm.IssuedTokens.Append(_esm.Password).SelectMany(s => new[] { s, Uri.EscapeDataString(s), WebUtility.UrlEncode(s) }).Distinct().ToList();
        var places = new Dictionary<string, byte[]> { ["aeg output"] = Encoding.UTF8.GetBytes(outputs.ToString()) };
        foreach (var file in Directory.EnumerateFiles(State, "*", SearchOption.AllDirectories))
        {
            places[file] = File.ReadAllBytes(file);
        }
        foreach (var (where, bytes) in places)
        {
            Assert.All(secrets, s => Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(s)) >= 0, $"a secret is in {where}"));
        }
    }
}
