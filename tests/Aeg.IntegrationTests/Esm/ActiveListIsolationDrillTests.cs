using System.Diagnostics;
using System.Text.Json.Nodes;
using Aeg.IntegrationTests.Faults;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// The containment drill of issue 23 with the real <c>aeg run</c> (native when <c>AEG_TEST_BINARY</c> is set): analysts set
/// stage re-image on events in the real MariaDB; aeg polls them, sends Annotation Events to its own CEF listener, and
/// its esmActiveList rules put each event's host (fetched from ESM by id) on an isolation list, and take it off on
/// Closed. ESM is <see cref="EsmServiceLayerDocumentedApiServer"/> (written from the Service Layer documentation; no ESM
/// can run here). aeg is killed with kill -9 in the middle of both phases.
/// </summary>
public sealed class ActiveListIsolationDrillTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string IsolationList = "HIsolateUBABCzVQ0dBjvLxA==";
    private const string EsmPasswordVariable = "AEG_DRILL_ESM_PASSWORD";
    private static readonly int Events = int.TryParse(Environment.GetEnvironmentVariable("AEG_ISOLATION_DRILL_EVENTS"), out var n) ? n : 100;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _dir = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _esm.AddActiveList(IsolationList, ["Host", "Reason"], ["Host"]);
        for (var i = 1; i <= Events; i++)
        {
            var host = Host(i);
            _esm.AddEvent(EsmTestKit.Event(EventId(i), e => e["destination"]!["hostName"] = host));
        }
    }

    public async Task DisposeAsync() => await _esm.DisposeAsync();

    private static long EventId(int i) => 9_000_000 + i;

    private static string Host(int i) => $"ws{i:D3}.corp.example.org";

    private string Config(TestDatabase db, int port)
    {
        File.WriteAllText(_dir.File("rules.yaml"), $$$"""
            rules:
              - name: isolate-on-reimage
                when: [{ field: deviceProduct, equals: AEG }, { label: stage, equals: re-image }]
                dedupe: "esm-event-{{cn2}}"
                enrich: esm
                eventIdFields: [cn2]
                actions:
                  - esmActiveList:
                      list: "{{{IsolationList}}}"
                      op: add
                      entry: { Host: "{{esm.destination.hostName}}", Reason: "re-image of event {{cn2}}" }
                      key: [Host]
              - name: release-on-closed
                when: [{ field: deviceProduct, equals: AEG }, { label: stage, equals: Closed }]
                dedupe: "esm-event-{{cn2}}"
                enrich: esm
                eventIdFields: [cn2]
                actions:
                  - esmActiveList: { list: "{{{IsolationList}}}", op: delete, entry: { Host: "{{esm.destination.hostName}}" } }
            """);
        return Drill.WriteConfig(_dir.File("aeg.yaml"), db, _dir.File("state"), port, batchSize: 20, interval: "200ms", extra: $$"""
            listen: { listeners: [{ protocol: tcp, address: 127.0.0.1, port: {{port}} }] }
            rules: { path: {{_dir.File("rules.yaml")}} }
            esm: { url: "{{_esm.BaseUrl}}", user: {{_esm.User}}, passwordEnv: {{EsmPasswordVariable}}, caFile: {{_esm.CaFile}}, retry: { maxAttempts: 4, baseDelay: 20ms } }
            """);
    }

    private AegProcess Start(string config, TestDatabase db) =>
        AegProcess.Start(["run", "--config", config], new Dictionary<string, string> { [Drill.PasswordVariable] = db.Password, [EsmPasswordVariable] = _esm.Password });

    [Fact]
    public async Task Reimage_puts_every_host_on_the_isolation_list_once_and_Closed_takes_it_off_across_kill_9()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("INSERT INTO arc_resource (id, resource_type, name, uri) VALUES (6, 1, 're-image', '/All Stages/re-image')");
        var port = FreePorts.Tcp();
        var config = Config(db, port);
        var aeg = Start(config, db);
        try
        {
            // Latency is measured from a running daemon; the restart after the kill counts in it.
            await aeg.WaitForLineAsync("Polling mysql://", Deadline);
            var changedAt = new Dictionary<string, long>();
            async Task Phase(int stage, Func<int, bool> done, string what)
            {
                var killed = false;
                // Analysts' pace, not a burst: one change every 50 ms (a burst would measure the queue, not the path).
                using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                for (var i = 1; i <= Events; i++)
                {
                    await pace.WaitForNextTickAsync();
                    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    await db.ExecuteAsync(
                        "INSERT INTO arc_event_annotation (event_id, version, modification_time, stage, current_comment, flags) VALUES (@id, 1, @t, @s, 'drill', 0) " +
                        "ON DUPLICATE KEY UPDATE version = version + 1, modification_time = @t, stage = @s",
                        ("@id", EventId(i)), ("@t", now), ("@s", stage));
                    if (stage == 6)
                    {
                        changedAt[Host(i)] = Stopwatch.GetTimestamp();
                    }
                    if (!killed && i == Events / 2)
                    {
                        // Half-way: kill -9 while rows, syslog frames and outbox jobs are in flight, then start again.
                        aeg.KillHard();
                        aeg.Dispose();
                        killed = true;
                        aeg = Start(config, db);
                    }
                }
                await WaitUntil.HoldsAsync(() =>
                {
                    Assert.False(aeg.HasExited, "aeg stopped: " + aeg.Output);
                    return done(_esm.ActiveListEntries(IsolationList).Count);
                }, what, Deadline, () => aeg.Output);
            }

            await Phase(6, count => count == Events, $"{Events} hosts on the isolation list");
            var entries = _esm.ActiveListEntries(IsolationList);
            Assert.Equal(Enumerable.Range(1, Events).Select(Host), entries.Select(e => e["Host"]).Order(StringComparer.Ordinal));
            Assert.All(entries, e => Assert.StartsWith("re-image of event 9", e["Reason"], StringComparison.Ordinal));
            // The server's clock of each entry's first add against the moment the row was committed in MariaDB.
            var latencies = _esm.ActiveListFirstAdded(IsolationList)
                .Select(f => Stopwatch.GetElapsedTime(changedAt[f.Key], f.Value).TotalMilliseconds).Order().ToList();
            Assert.Equal(Events, latencies.Count);
            var (adds, _) = _esm.ActiveListCalls(IsolationList);
            output.WriteLine($"DRILL isolation: {Events} events, {entries.Count} entries, {adds} addEntries calls (repeats after kill -9 update the same entry), " +
                $"change → entry median {latencies[latencies.Count / 2]:F0} ms, max {latencies[^1]:F0} ms (min {latencies[0]:F0} ms), aeg={string.Join(" ", AegBinary.Command)}");

            await Phase(5, count => count == 0, "every host off the list after Closed");
            Assert.Empty(_esm.ActiveListEntries(IsolationList));
            Assert.True(_esm.ActiveListCalls(IsolationList).Deletes >= Events);
        }
        finally
        {
            aeg.KillHard();
            aeg.Dispose();
        }
    }

    public void Dispose() => _dir.Dispose();
}
