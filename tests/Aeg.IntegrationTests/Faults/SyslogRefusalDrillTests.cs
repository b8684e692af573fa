using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Syslog;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Faults;

/// <summary>Fault drill: the syslog destination (a real syslog-ng) refuses connections, then accepts them again.</summary>
public sealed class SyslogRefusalDrillTests(ITestOutputHelper output)
{
    private const int Batch = 100, RowsBefore = 500, RowsDuring = 1500;

    [Fact]
    public async Task Syslog_destination_refusing_connections_keeps_the_cursor_file_still_and_loses_nothing_once_it_accepts()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = Batch;
        h.Options.Interval = TimeSpan.FromMilliseconds(100);
        var baseMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        await h.Db.InsertRangeAsync(firstId: 1, count: RowsBefore, firstMs: baseMs + 1, stepMs: 1);
        var syslog = receiver.OptionsFor(SyslogProtocol.Tcp);
        await using var sender = SyslogSenderFactory.Create(syslog);
        await using var poller = h.CreatePoller(sender, syslog: syslog);
        using var stop = new CancellationTokenSource();
        var run = poller.RunAsync(stop.Token);
        try
        {
            await receiver.WaitForLinesAsync(RowsBefore, TimeSpan.FromSeconds(60));
            await WaitUntil.HoldsAsync(() => h.StateFile.Load()!.Cursor.EventId == RowsBefore, "the first rows to be committed", TimeSpan.FromSeconds(30));

            // Nothing listens on the port any more: every connection attempt is refused.
            await receiver.StopAsync();
            await h.Db.InsertRangeAsync(firstId: RowsBefore + 1, count: RowsDuring, firstMs: baseMs + RowsBefore + 1, stepMs: 1);
            var stateBefore = await File.ReadAllBytesAsync(h.StateFile.Path);
            var failuresAtStop = poller.Counters.SendFailures;
            // The poller keeps trying (backoff 20–200 ms here); the cursor file must not change meanwhile.
            await WaitUntil.HoldsAsync(() =>
            {
                Assert.Equal(stateBefore, File.ReadAllBytes(h.StateFile.Path));
                return poller.Counters.SendFailures >= failuresAtStop + 10;
            }, "ten refused send attempts", TimeSpan.FromSeconds(60));
            var refused = poller.Counters.SendFailures - failuresAtStop;
            Assert.Equal(stateBefore, await File.ReadAllBytesAsync(h.StateFile.Path));
            Assert.Equal(RowsBefore, poller.Cursor.EventId);

            await receiver.RestartAsync();
            await WaitUntil.HoldsAsync(() => h.StateFile.Load()!.Cursor.EventId == RowsBefore + RowsDuring, "the drain to finish after the restart", TimeSpan.FromSeconds(60));
            await WaitUntil.HoldsAsync(() => ParsedCef.EventIds(receiver.ReadLineBytes()).Distinct().Count() >= RowsBefore + RowsDuring,
                "every row at syslog-ng", TimeSpan.FromSeconds(60));
            var ids = ParsedCef.EventIds(receiver.ReadLineBytes());

            var result = DrillResult.FromIds("syslog refusing then accepting", Enumerable.Range(1, RowsBefore + RowsDuring).Select(i => (long)i), ids,
                $"batch {Batch}; {refused} refused attempts while the cursor file stayed byte-identical");
            result.Print(output);
            Assert.Equal(0, result.Lost);
            Assert.Equal(0, result.Duplicated);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }
}
