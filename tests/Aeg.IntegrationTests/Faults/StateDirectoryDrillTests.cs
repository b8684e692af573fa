using Aeg.IntegrationTests.Annotations;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.State;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Faults;

/// <summary>
/// Fault drill: the state directory is a real tmpfs (private mount namespace) that fills up or
/// turns read-only while rows are waiting; aeg runs inside the namespace as a real process.
/// </summary>
public sealed class StateDirectoryDrillTests(ITestOutputHelper output)
{
    private const int Rows = 300, Batch = 500;

    [PrivateMountFact]
    public async Task Full_state_directory_fails_poll_with_a_clear_error_keeps_the_previous_cursor_and_does_not_resend_on_retry()
    {
        await using var tmpfs = await PrivateTmpfs.MountAsync("1m");
        await using var d = await Setup.CreateAsync(tmpfs);

        await d.InsertAsync(Rows);
        var filler = tmpfs.Fill("filler");
        var (exit, text) = await d.PollAsync();

        Assert.True(exit == 1, $"exit {exit}: {text}");
        Assert.Contains("No space left on device", text);
        Assert.Contains("cannot write the state file", text);
        Assert.Equal(d.StateBytes, await File.ReadAllBytesAsync(d.StateFile.Path));
        Assert.Equal(Rows, d.StateFile.Load()!.Cursor.EventId);
        // The batch went out once; the retries only tried to save the cursor.
        await d.Receiver.WaitForLinesAsync(2 * Rows, TimeSpan.FromSeconds(30));
        var sentWhileFull = d.Received().Count - Rows;

        File.Delete(tmpfs.Outside("filler"));
        await d.RecoverAsync(2 * Rows);
        var result = DrillResult.FromIds("state directory full", Enumerable.Range(1, 2 * Rows).Select(i => (long)i), d.Received(),
            $"tmpfs 1 MiB filled with {filler / 1024} KiB; poll --once --attempts 3 exit 1; {sentWhileFull} events sent during 3 attempts; cursor file unchanged; batch {Batch}");
        result.Print(output);
        output.WriteLine(ErrorLine(text));
        Assert.Equal(Rows, sentWhileFull);
        Assert.Equal(0, result.Lost);
        // The batch sent while the cursor could not be saved is sent again after recovery: at-least-once.
        Assert.True(result.Duplicated <= Rows, $"{result.Duplicated} duplicates");
    }

    [PrivateMountFact]
    public async Task Read_only_state_directory_fails_poll_with_a_clear_error_and_keeps_the_previous_cursor()
    {
        await using var tmpfs = await PrivateTmpfs.MountAsync("1m");
        await using var d = await Setup.CreateAsync(tmpfs);

        await d.InsertAsync(Rows);
        await tmpfs.RemountAsync(readOnly: true);
        var (exit, text) = await d.PollAsync();

        Assert.True(exit != 0, $"exit {exit}: {text}");
        Assert.Contains("Read-only file system", text);
        Assert.Equal(d.StateBytes, await File.ReadAllBytesAsync(d.StateFile.Path));
        Assert.Equal(Rows, d.StateFile.Load()!.Cursor.EventId);

        await tmpfs.RemountAsync(readOnly: false);
        await d.RecoverAsync(2 * Rows);
        var result = DrillResult.FromIds("state directory read-only", Enumerable.Range(1, 2 * Rows).Select(i => (long)i), d.Received(),
            $"poll --once exit {exit} before sending anything; cursor file unchanged; batch {Batch}");
        result.Print(output);
        output.WriteLine(ErrorLine(text));
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Duplicated);
    }

    [PrivateMountFact]
    public async Task State_directory_turning_read_only_under_aeg_run_stops_sending_without_resending_and_resumes_when_writable()
    {
        await using var tmpfs = await PrivateTmpfs.MountAsync("1m");
        await using var d = await Setup.CreateAsync(tmpfs);
        using var aeg = d.StartRun();
        // Once it polls it holds the lock and has read the cursor; only the cursor saves are left to fail.
        await WaitUntil.HoldsAsync(() => aeg.HasExited || aeg.Output.Contains("Polling mysql://"), "aeg run to start polling", TimeSpan.FromSeconds(60));
        Assert.False(aeg.HasExited, aeg.Output);

        await tmpfs.AddReadOnlyViewAsync();
        await d.InsertAsync(Rows);
        await WaitUntil.HoldsAsync(() => aeg.HasExited || aeg.Output.Split("Read-only file system").Length > 3,
            "aeg run to fail three cursor saves", TimeSpan.FromSeconds(60));
        Assert.False(aeg.HasExited, aeg.Output);
        Assert.Contains("cannot write the state file", aeg.Output);
        var (readyDuring, readyBody) = await d.ReadyzAsync();
        Assert.True(readyDuring == 503 && readyBody.Contains("state_directory"), $"/readyz {readyDuring} while read-only: {readyBody}");
        Assert.Equal(d.StateBytes, await File.ReadAllBytesAsync(d.StateFile.Path));
        await d.Receiver.WaitForLinesAsync(2 * Rows, TimeSpan.FromSeconds(30));
        var sentWhileReadOnly = d.Received().Count - Rows;

        await tmpfs.RemoveReadOnlyViewAsync();
        await WaitUntil.HoldsAsync(() => d.StateFile.Load()!.Cursor.EventId == 2 * Rows, "the cursor file to catch up", TimeSpan.FromSeconds(60));
        await d.InsertAsync(Rows);
        await WaitUntil.HoldsAsync(() => d.StateFile.Load()!.Cursor.EventId == 3 * Rows, "new rows after the fault", TimeSpan.FromSeconds(60));
        await WaitUntil.HoldsAsync(() => d.Received().Distinct().Count() >= 3 * Rows, "every row at syslog-ng", TimeSpan.FromSeconds(30));
        var (readyAfter, readyAfterBody) = await d.ReadyzAsync();
        Assert.True(readyAfter == 200, readyAfterBody);
        var result = DrillResult.FromIds("state directory read-only under aeg run", Enumerable.Range(1, 3 * Rows).Select(i => (long)i), d.Received(),
            $"read-only bind mount laid over it while running; {sentWhileReadOnly} events sent while the cursor could not be saved; cursor file unchanged until writable; /readyz {readyDuring} while read-only, {readyAfter} after; batch {Batch}");
        result.Print(output);
        Assert.Equal(Rows, sentWhileReadOnly);
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Duplicated);
    }

    private static string ErrorLine(string text) => text.Split('\n').FirstOrDefault(l => l.Contains("[ERR] ", StringComparison.Ordinal)) ?? "(no error line)";

    /// <summary>Database, receiver and config, with a first poll done so a valid cursor (row <see cref="Rows"/>) is on the tmpfs.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly PrivateTmpfs _tmpfs;
        private readonly string _config;
        private readonly int _httpPort = FreePorts.Tcp();
        private readonly long _baseMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        private long _lastId;

        private Setup(PrivateTmpfs tmpfs, PollerHarness harness, SyslogNgReceiver receiver)
        {
            _tmpfs = tmpfs;
            Harness = harness;
            Receiver = receiver;
            _config = Drill.WriteConfig(Path.Combine(harness.StateDirectory, "aeg.yaml"), harness.Db, tmpfs.Directory, receiver.TcpLfPort, Batch,
                extra: $"http: {{ enabled: true, port: {_httpPort} }}");
            StateFile = new AnnotationStateFile(Path.GetDirectoryName(tmpfs.Outside("annotation-state.json"))!);
        }

        public PollerHarness Harness { get; }
        public SyslogNgReceiver Receiver { get; }
        public AnnotationStateFile StateFile { get; }
        public byte[] StateBytes { get; private set; } = [];

        public static async Task<Setup> CreateAsync(PrivateTmpfs tmpfs)
        {
            var setup = new Setup(tmpfs, await PollerHarness.CreateAsync(), await SyslogNgReceiver.StartAsync());
            await setup.InsertAsync(Rows);
            var (exit, text) = await setup.PollAsync();
            Assert.True(exit == 0, text);
            Assert.Equal(Rows, setup.StateFile.Load()!.Cursor.EventId);
            setup.StateBytes = await File.ReadAllBytesAsync(setup.StateFile.Path);
            return setup;
        }

        public async Task InsertAsync(int count)
        {
            await Harness.Db.InsertRangeAsync(firstId: _lastId + 1, count: count, firstMs: _baseMs + _lastId + 1, stepMs: 1);
            _lastId += count;
        }

        public AegProcess StartRun() =>
            Drill.StartAeg(["run", "--config", _config], Harness.Db.Password, _tmpfs.Wrapper);

        public Task<AegRun> PollAsync() =>
            Drill.RunAegAsync(["poll", "--once", "--attempts", "3", "--config", _config], Harness.Db.Password, _tmpfs.Wrapper);

        /// <summary>Polls again once the fault is gone: exit 0, the cursor reaches the last row and every row is at syslog-ng.</summary>
        public async Task RecoverAsync(long lastId)
        {
            var (exit, text) = await PollAsync();
            Assert.True(exit == 0, text);
            Assert.Equal(lastId, StateFile.Load()!.Cursor.EventId);
            await WaitUntil.HoldsAsync(() => Received().Distinct().Count() >= lastId, "every row at syslog-ng", TimeSpan.FromSeconds(30));
        }

        /// <summary>GET /readyz of the running aeg run (the HTTP endpoint is enabled in its config).</summary>
        public async Task<(int Status, string Body)> ReadyzAsync()
        {
            using var client = new HttpClient();
            using var response = await client.GetAsync($"http://127.0.0.1:{_httpPort}/readyz");
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public List<long> Received() => ParsedCef.EventIds(Receiver.ReadLineBytes());

        public async ValueTask DisposeAsync()
        {
            await Receiver.DisposeAsync();
            await Harness.DisposeAsync();
        }
    }
}
