using Aeg.Annotations;
using Aeg.Cef;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Syslog;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>Rows in MariaDB → poller or the aeg binary → real syslog-ng → lines parsed back with CefReader.</summary>
public sealed class AnnotationEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly long HourAgoMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
    private const string Comment = "a|b=c\\d\nline 2 üñí 日本語";

    private static async Task InsertVariedRowsAsync(TestDatabase db)
    {
        var line = "2,1795000000123,alice,Follow-Up,,,,\r\n";
        var trail = string.Concat(Enumerable.Repeat(line, 2048 / line.Length + 1))[..2048];
        await db.ExecuteAsync("INSERT INTO arc_resource VALUES (100, 2, 'alice', NULL)");
        await db.ExecuteAsync("""
            INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, current_comment,
              audit_trail, flags, manager_receipt_time)
            VALUES (1, 3, @t, 100, 4, @c, @a, 2, @t - 9), (2, 1, @t, NULL, NULL, NULL, NULL, 0, NULL)
            """, ("@t", HourAgoMs), ("@c", Comment), ("@a", trail));
        // Many rows in the same millisecond as the two above.
        await db.InsertRangeAsync(firstId: 10, count: 300, firstMs: HourAgoMs, stepMs: 0);
    }

    private static void AssertVariedRows(IReadOnlyList<string> lines, SyslogMessageFormat format)
    {
        var parsed = lines.Select(ParsedCef.Parse).ToList();
        Assert.Equal(302, parsed.Count);
        Assert.Equal(new long[] { 1, 2 }.Concat(Enumerable.Range(10, 300).Select(i => (long)i)), parsed.Select(p => long.Parse(p["cn2"])));
        var full = parsed[0];
        Assert.Equal(format == SyslogMessageFormat.Rfc5424 ? SyslogFormat.Rfc5424 : SyslogFormat.Rfc3164, full.SyslogFormat);
        Assert.Equal(20 * 8 + 5, full.SyslogPriority);
        Assert.Equal("aeg-e2e.example.com", full.SyslogHost);
        Assert.Equal("HP", full.Header[CefHeaderField.DeviceVendor]);
        Assert.Equal("AEG", full.Header[CefHeaderField.DeviceProduct]);
        Assert.Equal("Annotation Event", full.Header[CefHeaderField.Name]);
        Assert.Equal("7", full.Header[CefHeaderField.Severity]);
        Assert.Equal("aeg-e2e.example.com", full["shost"]);
        Assert.Equal("alice", full["duser"]);
        Assert.Equal(2048, full["cs1"].Length);
        Assert.StartsWith("2,1795000000123,alice,Follow-Up,,,,\r\n", full["cs1"]);
        Assert.Equal("audit_trail", full["cs1Label"]);
        Assert.Equal(Comment, full["cs2"]);
        Assert.Equal("current_comment", full["cs2Label"]);
        Assert.Equal("Final", full["cs3"]);
        Assert.Equal("stage", full["cs3Label"]);
        Assert.Equal("In Case", full["cs4"]);
        Assert.Equal("flag_labels", full["cs4Label"]);
        Assert.Equal(HourAgoMs.ToString(), full["deviceCustomDate1"]);
        Assert.Equal("modification_time", full["deviceCustomDate1Label"]);
        Assert.Equal((HourAgoMs - 9).ToString(), full["deviceCustomDate2"]);
        Assert.Equal("event_mrt", full["deviceCustomDate2Label"]);
        Assert.Equal("3", full["cn1"]);
        Assert.Equal("version", full["cn1Label"]);
        Assert.Equal("1", full["cn2"]);
        Assert.Equal("event_id", full["cn2Label"]);
        Assert.Equal("2", full["cn3"]);
        Assert.Equal("flags", full["cn3Label"]);
        Assert.Equal(20, full.Extensions.Count);

        var nulls = parsed[1];
        Assert.Equal(["shost", "deviceCustomDate1", "deviceCustomDate1Label", "cn1", "cn1Label", "cn2", "cn2Label", "cn3", "cn3Label"], nulls.Extensions.Keys);
    }

    [Theory]
    [InlineData(SyslogProtocol.Udp, SyslogFraming.Lf, SyslogMessageFormat.Rfc3164)]
    [InlineData(SyslogProtocol.Tcp, SyslogFraming.Lf, SyslogMessageFormat.Rfc3164)]
    [InlineData(SyslogProtocol.Tcp, SyslogFraming.OctetCounting, SyslogMessageFormat.Rfc5424)]
    public async Task Every_row_arrives_once_at_syslog_ng_with_every_field(SyslogProtocol protocol, SyslogFraming framing, SyslogMessageFormat format)
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = 100;
        await InsertVariedRowsAsync(h.Db);
        var syslog = receiver.OptionsFor(protocol, framing);
        syslog.Format = format;
        await using var sender = SyslogSenderFactory.Create(syslog);
        await using var poller = new AnnotationPoller(new AnnotationSource(h.Db.Database, h.Source),
            new AnnotationMapper(PollerHarness.Mappings, syslog, "aeg-e2e.example.com"), sender, h.StateFile, h.Options,
            new Serilog.LoggerConfiguration().CreateLogger());
        poller.Initialize();

        Assert.Equal(302, await poller.PollOnceAsync(CancellationToken.None));

        var lines = await receiver.WaitForLinesAsync(302, Deadline);
        AssertVariedRows(lines, format);
    }

    [Fact]
    public async Task Receiver_down_keeps_the_cursor_and_nothing_is_lost_when_it_is_back()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        h.Options.BatchSize = 100;
        await h.Db.InsertRangeAsync(firstId: 1, count: 250, firstMs: HourAgoMs, stepMs: 1);
        var syslog = receiver.OptionsFor(SyslogProtocol.Tcp);
        await using var sender = SyslogSenderFactory.Create(syslog);
        await using var poller = h.CreatePoller(sender, syslog: syslog);

        await receiver.StopAsync();
        var before = h.StateFile.Load()!.Cursor;
        Assert.False(await poller.PollOnceWithRetryAsync(2, CancellationToken.None));
        Assert.Equal(before, h.StateFile.Load()!.Cursor);
        Assert.True(poller.Counters.SendFailures >= 1);

        await receiver.RestartAsync();
        Assert.True(await poller.PollOnceWithRetryAsync(5, CancellationToken.None));
        var lines = await receiver.WaitForLinesAsync(250, Deadline);
        var ids = ParsedCef.EventIds(lines);
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), ids.Distinct().Order());
    }

    [Fact]
    public async Task Aeg_poll_once_as_a_process_sends_every_field_and_exits_0()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        await InsertVariedRowsAsync(h.Db);
        var config = WriteConfig(h, receiver.TcpLfPort, "tcp", batchSize: 100);

        var (exit, output) = await RunAegAsync(h, ["poll", "--once", "--config", config, "--debug"]);

        Assert.True(exit == 0, output);
        AssertVariedRows(await receiver.WaitForLinesAsync(302, Deadline), SyslogMessageFormat.Rfc3164);
        Assert.Contains("Poll complete", output);
        // --debug shows each cycle and each committed batch.
        Assert.Contains("[DBG] Batch of 100 row(s) committed; cursor ", output);
        Assert.Matches(@"\[DBG\] Poll cycle: 302 event\(s\) sent; cursor \d{4}-", output);
        Assert.DoesNotContain(h.Db.Password, output);
    }

    [Fact]
    public async Task Aeg_poll_once_exits_1_when_syslog_is_unreachable_and_2_on_a_config_error()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 1, count: 5, firstMs: HourAgoMs, stepMs: 1);
        var closedPort = FreePorts.Tcp();
        var config = WriteConfig(h, closedPort, "tcp", batchSize: 100);
        var (exit, output) = await RunAegAsync(h, ["poll", "--once", "--attempts", "2", "--config", config]);
        Assert.True(exit == 1, output);
        Assert.Contains("FAILED", output);

        File.AppendAllText(config, "poller2: {}\n");
        var (exit2, output2) = await RunAegAsync(h, ["poll", "--once", "--config", config]);
        Assert.True(exit2 == 2, output2);
        Assert.Contains("poller2: unknown key", output2);
    }

    [Fact]
    public async Task Aeg_poll_killed_mid_drain_resends_at_most_one_batch_and_loses_nothing()
    {
        const int rows = 20_000, batch = 500;
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 1, count: rows, firstMs: HourAgoMs - rows, stepMs: 1);
        var config = WriteConfig(h, receiver.TcpLfPort, "tcp", batchSize: batch);
        var statePath = h.StateFile.Path;

        using var child = StartAeg(h, ["poll", "--once", "--config", config]);
        // Kill -9 once the cursor has moved at least once but before the drain is over.
        var moved = false;
        await WaitUntil.HoldsAsync(() => (moved = (File.Exists(statePath) ? TryLoadCursor(h) : null) is { EventId: > 0 and < rows }) || child.HasExited,
            "the cursor to move", Deadline, every: TimeSpan.FromMilliseconds(5));
        Assert.True(moved, "aeg finished before it could be killed; make the backlog larger");
        child.KillHard();
        var cursorAtKill = h.StateFile.Load()!.Cursor;
        Assert.True(cursorAtKill.EventId < rows, "killed after the drain had finished");

        var (exit, output) = await RunAegAsync(h, ["poll", "--once", "--config", config]);
        Assert.True(exit == 0, output);

        var lines = await receiver.WaitForLinesAsync(rows, Deadline);
        var ids = ParsedCef.EventIds(lines);
        Assert.Equal(Enumerable.Range(1, rows).Select(i => (long)i), ids.Distinct().Order());
        var duplicates = ids.Count - ids.Distinct().Count();
        Assert.True(duplicates <= batch, $"{duplicates} duplicates, more than one batch of {batch}");
        // Every duplicate lies after the cursor saved before the kill.
        Assert.All(ids.GroupBy(i => i).Where(g => g.Count() > 1), g => Assert.True(g.Key > cursorAtKill.EventId));
    }

    [Fact]
    public async Task Aeg_run_sends_new_rows_and_stops_cleanly_on_sigterm()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        var config = WriteConfig(h, receiver.UdpPort, "udp", batchSize: 100, firstStart: "now", interval: "1s");
        using var child = StartAeg(h, ["run", "--config", config]);

        // Wait until the daemon has written its first-start cursor, then add rows "from now on".
        await WaitUntil.HoldsAsync(() => File.Exists(h.StateFile.Path) || child.HasExited, "aeg run to write its cursor", Deadline);
        Assert.True(File.Exists(h.StateFile.Path), $"aeg run did not start: {child.Output}");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await h.Db.InsertRangeAsync(firstId: 1, count: 30, firstMs: now + 1000, stepMs: 0);
        var lines = await receiver.WaitForLinesAsync(30, Deadline);
        await h.Db.InsertRangeAsync(firstId: 100, count: 5, firstMs: now + 2000, stepMs: 1);
        lines = await receiver.WaitForLinesAsync(35, Deadline);

        await child.SignalAsync("TERM");
        var exit = await child.WaitForExitAsync(Deadline);
        Assert.True(exit == 0, $"exit {exit}: {child.Output}");
        Assert.Contains("Poller stopped", child.Output);
        Assert.Equal(35, lines.Count);
        Assert.Equal(Enumerable.Range(1, 30).Concat(Enumerable.Range(100, 5)).Select(i => (long)i),
            ParsedCef.EventIds(lines).Order());
    }

    [Fact]
    public async Task Aeg_test_connection_reports_rows_newest_row_grants_and_syslog_reachability()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(firstId: 41, count: 2, firstMs: HourAgoMs, stepMs: 5);
        var config = WriteConfig(h, receiver.TcpLfPort, "tcp", batchSize: 100);

        var (exit, output) = await RunAegAsync(h, ["test-connection", "--config", config]);

        Assert.True(exit == 0, output);
        Assert.Contains("rows in arc_event_annotation: 2", output);
        Assert.Contains($"newest row: event_id=42 version=1 modification_time={HourAgoMs + 5} stage=Queued", output);
        Assert.Contains("grant: GRANT", output);
        Assert.Contains("poll query: works (1 row read)", output);
        Assert.Contains("TCP connection accepted", output);
        Assert.Contains("RESULT: all checks passed", output);
        Assert.DoesNotContain(h.Db.Password, output);

        await receiver.StopAsync();
        var (exitDown, outputDown) = await RunAegAsync(h, ["test-connection", "--config", config]);
        Assert.True(exitDown == 1, outputDown);
        Assert.Contains("FAILED: cannot connect", outputDown);
    }

    [Fact]
    public async Task Aeg_emit_sample_delivers_one_recognisable_event()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var h = await PollerHarness.CreateAsync();
        var config = WriteConfig(h, receiver.UdpPort, "udp", batchSize: 100);

        var (exit, output) = await RunAegAsync(h, ["emit-sample", "--config", config]);

        Assert.True(exit == 0, output);
        var line = Assert.Single(await receiver.WaitForLinesAsync(1, Deadline));
        var cef = ParsedCef.Parse(line);
        Assert.Equal("Annotation Event", cef.Header[CefHeaderField.Name]);
        Assert.Equal("0", cef["cn2"]);
        Assert.Equal("Queued", cef["cs3"]);
        Assert.Contains("sample", cef["cs2"]);
        Assert.Equal("aeg-e2e.example.com", cef["shost"]);
        Assert.Contains(line, output);
    }

    private static Aeg.State.AnnotationCursor? TryLoadCursor(PollerHarness h)
    {
        try
        {
            return h.StateFile.Load()?.Cursor;
        }
        catch (Exception ex) when (ex is IOException or Aeg.State.StateFileException)
        {
            return null;
        }
    }

    private static string WriteConfig(PollerHarness h, int syslogPort, string protocol, int batchSize, string firstStart = "beginning", string interval = "5s")
    {
        var o = h.Db.Options;
        var path = Path.Combine(h.StateDirectory, "aeg.yaml");
        File.WriteAllText(path, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: AEG_E2E_DB_PASSWORD, sslMode: None }
            poller: { batchSize: {{batchSize}}, firstStart: {{firstStart}}, interval: {{interval}}, retryMinDelay: 50ms, retryMaxDelay: 200ms }
            state: { directory: {{h.StateDirectory}} }
            syslog: { host: 127.0.0.1, port: {{syslogPort}}, protocol: {{protocol}}, framing: lf, reconnectMinDelay: 20ms, reconnectMaxDelay: 100ms, connectTimeout: 2s }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            hostName: aeg-e2e.example.com

            """);
        return path;
    }

    private static AegProcess StartAeg(PollerHarness h, string[] args) => AegProcess.Start(args, Password(h));

    private static Task<AegRun> RunAegAsync(PollerHarness h, string[] args) => AegProcess.RunAsync(args, Password(h));

    private static Dictionary<string, string> Password(PollerHarness h) => new() { ["AEG_E2E_DB_PASSWORD"] = h.Db.Password };
}
