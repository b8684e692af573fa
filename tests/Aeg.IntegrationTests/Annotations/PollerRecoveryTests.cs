using System.Diagnostics;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Syslog;
using Serilog.Events;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>
/// <c>AnnotationPoller.RunAsync</c> against the real MariaDB: full batches follow each other without
/// the interval, a database that does not answer is probed and the poll resumes when it answers,
/// and a database that answers but fails the query still gets the backoff.
/// </summary>
public sealed class PollerRecoveryTests
{
    private static readonly long HourAgoMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    [Fact]
    public async Task Full_batches_are_read_one_after_the_other_without_waiting_for_the_interval()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = 10;
        // Any wait between two batches would be an hour: only back-to-back reads deliver the backlog.
        h.Options.Interval = TimeSpan.FromHours(1);
        await h.Db.InsertRangeAsync(firstId: 1, count: 95, firstMs: HourAgoMs, stepMs: 1);
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);
        await WhileRunningAsync(poller, async () =>
        {
            // The cursor moves in memory just before its batch is counted (on the save): wait for both.
            await WaitUntil.HoldsAsync(() => poller.Cursor.EventId == 95 && poller.Counters.Batches >= 10, "ten batches, the last one short", TimeSpan.FromSeconds(20));
            Assert.Equal(Enumerable.Range(1, 95).Select(i => (long)i), ParsedCef.EventIds(sender.Flushed));
            Assert.Equal(10, poller.Counters.Batches);
        });
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_probed_and_the_poll_resumes_when_it_answers_not_when_the_backoff_ends()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.Interval = TimeSpan.FromMilliseconds(200);
        // A backoff this long would hold the retry far beyond the test's deadline: only the probe can resume it in time.
        h.Options.RetryMinDelay = TimeSpan.FromSeconds(60);
        h.Options.RetryMaxDelay = TimeSpan.FromSeconds(60);
        await h.Db.InsertRangeAsync(firstId: 1, count: 1, firstMs: HourAgoMs, stepMs: 1);
        await WhileRunningBehindProxyAsync(h, async (proxy, database, sender, log, poller) =>
        {
            await WaitUntil.HoldsAsync(() => sender.Flushed.Count == 1, "the first row");
            proxy.Down();
            await WaitUntil.HoldsAsync(() => log.Lines(LogEventLevel.Warning).Any(l => l.Contains("does not answer")), "the outage to be noticed");
            var cursorDuringOutage = h.StateFile.Load()!.Cursor;
            Assert.NotNull(poller.Counters.DatabaseProblem);
            await h.Db.InsertRangeAsync(firstId: 2, count: 1, firstMs: HourAgoMs + 1, stepMs: 1);
            // Several probes fail before the database is back.
            await WaitUntil.HoldsAsync(() => proxy.Refused >= 3, "three refused probes");
            Assert.Equal(cursorDuringOutage, h.StateFile.Load()!.Cursor);

            proxy.Up();
            var back = Stopwatch.StartNew();
            await WaitUntil.HoldsAsync(() => sender.Flushed.Count == 2, "the row written during the outage", TimeSpan.FromSeconds(10));
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(2), $"resumed {back.Elapsed} after the database answered");
            Assert.Null(poller.Counters.DatabaseProblem);
            // The cursor is saved after the send: on a busy machine the flush is seen first.
            await WaitUntil.HoldsAsync(() => h.StateFile.Load()?.Cursor.EventId == 2, "the cursor saved past the row");

            var warnings = log.Lines(LogEventLevel.Warning).ToList();
            Assert.Single(warnings, l => l.Contains("does not answer"));
            Assert.Contains($"WRN The database {database.Description} does not answer (MySqlException: ", log.Text);
            var recovered = Assert.Single(log.Lines(LogEventLevel.Information), l => l.Contains("answers again after"));
            Assert.Matches(@"answers again after \d+\.\d s; polling resumed", recovered);
            Assert.DoesNotContain(h.Db.Password, log.Text);
        });
    }

    [Fact]
    public async Task A_database_that_stays_away_longer_than_escalateAfter_is_logged_once_at_error()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.Interval = TimeSpan.FromMilliseconds(200);
        h.Options.EscalateAfter = TimeSpan.FromSeconds(1);
        await h.Db.InsertRangeAsync(firstId: 1, count: 1, firstMs: HourAgoMs, stepMs: 1);
        await WhileRunningBehindProxyAsync(h, async (proxy, database, sender, log, poller) =>
        {
            await WaitUntil.HoldsAsync(() => sender.Flushed.Count == 1, "the first row");
            proxy.Down();
            await WaitUntil.HoldsAsync(() => log.Lines(LogEventLevel.Error).Any(), "the outage to be escalated");
            // Probes go on failing after the ERR: it is said once per outage.
            var refused = proxy.Refused;
            await WaitUntil.HoldsAsync(() => proxy.Refused >= refused + 3, "three more refused probes");
            var error = Assert.Single(log.Lines(LogEventLevel.Error));
            Assert.Matches(@"has not answered for ""?\d+(\.\d)?s""? \(poller\.escalateAfter\)", error);
            Assert.Contains("cursor stays at ", error);
            Assert.DoesNotContain(h.Db.Password, log.Text);
            proxy.Up();
            await WaitUntil.HoldsAsync(() => log.Lines(LogEventLevel.Information).Any(l => l.Contains("answers again after")), "the database back");
        });
    }

    [Fact]
    public async Task A_query_that_fails_while_the_database_answers_is_retried_with_the_backoff()
    {
        await using var h = await PollerHarness.CreateAsync();
        h.Options.RetryMinDelay = TimeSpan.FromSeconds(1);
        h.Options.RetryMaxDelay = TimeSpan.FromSeconds(1);
        h.Source.Table = "no_such_table";
        var sender = new RecordingSyslogSender();
        using var log = new LogCapture();
        await using var poller = CreatePoller(h, sender, h.Db.Database, log);
        poller.DatabaseProbe = DependencyProbe.Database(h.Db.Database);
        var started = Stopwatch.StartNew();
        await WhileRunningAsync(poller, async () =>
        {
            await WaitUntil.HoldsAsync(() => poller.Counters.DatabaseFailures >= 3, "three failed polls");
            // The probe answers, so two backoff waits of 1 s lie between the first and the third try.
            Assert.True(started.Elapsed >= TimeSpan.FromSeconds(1.9), $"three failed polls within {started.Elapsed}: no backoff");
            Assert.DoesNotContain(log.Lines(LogEventLevel.Warning), l => l.Contains("does not answer"));
            Assert.Contains(log.Lines(LogEventLevel.Warning), l => l.Contains("doesn't exist") && l.Contains("retry 2 in"));
        });
    }

    // A running poller whose only way to the database is a proxy that can be taken down, probing through it.
    private static async Task WhileRunningBehindProxyAsync(PollerHarness h,
        Func<CuttingTcpProxy, AnnotationDatabase, RecordingSyslogSender, LogCapture, AnnotationPoller, Task> test)
    {
        await using var proxy = CuttingTcpProxy.Switchable(h.Db.Options.Host, h.Db.Options.Port);
        var database = new AnnotationDatabase(ThroughProxy(h.Db.Options, proxy.Port), h.Db.Password);
        var sender = new RecordingSyslogSender();
        using var log = new LogCapture();
        await using var poller = CreatePoller(h, sender, database, log);
        poller.DatabaseProbe = DependencyProbe.Database(database);
        await WhileRunningAsync(poller, () => test(proxy, database, sender, log, poller));
    }

    private static async Task WhileRunningAsync(AnnotationPoller poller, Func<Task> test)
    {
        using var stop = new CancellationTokenSource();
        var run = poller.RunAsync(stop.Token);
        try
        {
            await test();
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    private static DatabaseOptions ThroughProxy(DatabaseOptions options, int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Database = options.Database,
        User = options.User,
        SslMode = "None",
    };

    private static AnnotationPoller CreatePoller(PollerHarness h, ISyslogSender sender, AnnotationDatabase database, LogCapture log)
    {
        var poller = new AnnotationPoller(new AnnotationSource(database, h.Source), new AnnotationMapper(PollerHarness.Mappings, new(), "aeg-test.example.com"),
            sender, h.StateFile, h.Options, log.Logger);
        poller.Initialize();
        return poller;
    }
}
