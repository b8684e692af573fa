using System.Diagnostics;
using Aeg.Daemon;
using Aeg.HttpEndpoint;
using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Syslog;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Faults;

/// <summary>
/// Fault drill: the ESM database (a MariaDB of this test's own, never the shared one) stops for
/// 30 s in the middle of a backlog drain and comes back on the same data.
/// </summary>
public sealed class MariaDbOutageDrillTests(ITestOutputHelper output)
{
    private const int Rows = 30_000, Batch = 200;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryMin = TimeSpan.FromMilliseconds(200), RetryMax = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task MariaDb_stopped_30s_mid_drain_the_poller_backs_off_and_every_row_arrives_with_duplicates_only_from_the_open_batch()
    {
        await using var mariadb = await OwnService.StartMariaDbAsync();
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync(mariadb.Exports["AEG_TEST_MYSQL"]);
        h.Options.BatchSize = Batch;
        h.Options.Interval = TimeSpan.FromMilliseconds(100);
        h.Options.RetryMinDelay = RetryMin;
        h.Options.RetryMaxDelay = RetryMax;
        var baseMs = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds();
        await h.Db.InsertRangeAsync(firstId: 1, count: Rows, firstMs: baseMs + 1, stepMs: 1);
        var syslog = receiver.OptionsFor(SyslogProtocol.Tcp);
        await using var sender = SyslogSenderFactory.Create(syslog);
        await using var poller = h.CreatePoller(sender, syslog: syslog);
        var parts = new DaemonParts(poller, sender);
        await using var http = await AegHttpServer.StartAsync(new HttpOptions { Enabled = true, Port = 0 }, "aeg.yaml",
            DaemonTelemetry.MetricsSources(parts), DaemonTelemetry.HealthChecks(parts), null, new Serilog.LoggerConfiguration().CreateLogger());
        using var client = new HttpClient { BaseAddress = new Uri($"http://{http.LocalEndPoint}") };
        using var stop = new CancellationTokenSource();
        var run = poller.RunAsync(stop.Token);
        try
        {
            await WaitUntil.HoldsAsync(() => poller.Cursor.EventId >= 5 * Batch, "five batches committed", TimeSpan.FromSeconds(60));
            var (readyBefore, _) = await ReadyzAsync(client);
            Assert.Equal(200, readyBefore);
            await mariadb.StopAsync();
            var cursorAtStop = poller.Cursor.EventId;
            Assert.True(cursorAtStop < Rows, $"the drain had finished ({cursorAtStop}) before MariaDB stopped; make the backlog larger");

            // The outage itself is the scenario: 30 s by the clock, while the poller retries.
            var outage = Stopwatch.StartNew();
            var failuresAtStop = poller.Counters.DatabaseFailures;
            await WaitUntil.HoldsAsync(() => poller.Counters.DatabaseFailures > failuresAtStop, "the first failed poll", TimeSpan.FromSeconds(30));
            // Rows already read before the stop may still be sent; after that the cursor must stand still.
            var cursorDuringOutage = poller.Cursor.EventId;
            var (readyDuring, readyBody) = await ReadyzAsync(client);
            Assert.True(readyDuring == 503 && readyBody.Contains("database"), $"/readyz {readyDuring} during the outage: {readyBody}");
            await Task.Delay(Outage - outage.Elapsed);
            var retries = poller.Counters.DatabaseFailures - failuresAtStop;
            Assert.Equal(cursorDuringOutage, poller.Cursor.EventId);
            Assert.Equal(cursorDuringOutage, h.StateFile.Load()!.Cursor.EventId);

            var downFor = outage.Elapsed;
            await mariadb.RestartAsync(TimeSpan.FromSeconds(60));
            var back = Stopwatch.StartNew();
            await WaitUntil.HoldsAsync(() => poller.Cursor.EventId > cursorDuringOutage, "the poller to move on after the restart", TimeSpan.FromSeconds(60));
            var resumedAfter = back.Elapsed;
            await WaitUntil.HoldsAsync(() => poller.Cursor.EventId == Rows, "the drain to finish", TimeSpan.FromSeconds(120));
            await WaitUntil.HoldsAsync(() => ParsedCef.EventIds(receiver.ReadLineBytes()).Distinct().Count() >= Rows, "every row at syslog-ng", TimeSpan.FromSeconds(60));
            var ids = ParsedCef.EventIds(receiver.ReadLineBytes());
            var (readyAfter, readyAfterBody) = await ReadyzAsync(client);
            Assert.True(readyAfter == 200, readyAfterBody);

            var result = DrillResult.FromIds("MariaDB down 30 s mid-drain", Enumerable.Range(1, Rows).Select(i => (long)i), ids,
                $"batch {Batch}; stopped at cursor {cursorAtStop}; {retries} failed polls in {downFor.TotalSeconds:F1} s down " +
                $"(backoff {RetryMin.TotalMilliseconds:F0} ms–{RetryMax.TotalSeconds:F0} s); moving again {resumedAfter.TotalSeconds:F1} s after the restart; /readyz {readyBefore} before, {readyDuring} during, {readyAfter} after");
            result.Print(output);
            Assert.Equal(0, result.Lost);
            Assert.True(result.Duplicated <= Batch, $"{result.Duplicated} duplicates, more than the one open batch of {Batch}");
            // Backoff: retrying at the minimum delay would fail ~150 times in 30 s; exponential growth to 4 s gives about a dozen.
            Assert.InRange(retries, 3, 30);
            Assert.True(resumedAfter < RetryMax + TimeSpan.FromSeconds(10), $"took {resumedAfter} to resume; the backoff is capped at {RetryMax}");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    private static async Task<(int Status, string Body)> ReadyzAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/readyz");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
