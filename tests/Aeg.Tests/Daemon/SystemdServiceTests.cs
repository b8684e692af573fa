using System.Collections.Concurrent;
using Aeg.Daemon;
using Microsoft.Extensions.Hosting.Systemd;

namespace Aeg.Tests.Daemon;

/// <summary>READY=1, STOPPING=1 and watchdog pings only while the main loop runs; the interval from systemd's variables.</summary>
public sealed class SystemdServiceTests
{
    [Theory]
    [InlineData("60000000", null, 30_000.0)]
    [InlineData("60000000", "4242", 30_000.0)]
    [InlineData("60000000", "1", null)]
    [InlineData(null, null, null)]
    [InlineData("0", null, null)]
    [InlineData("sixty", null, null)]
    public void The_watchdog_interval_is_half_of_WATCHDOG_USEC_for_this_process_only(string? usec, string? pid, double? expectedMs)
    {
        Assert.Equal(expectedMs, SystemdService.WatchdogInterval(usec, pid, processId: 4242)?.TotalMilliseconds);
    }

    [Fact]
    public async Task Ready_then_pings_while_the_main_loop_runs_then_stopping_and_no_more_pings()
    {
        var notifier = new RecordingNotifier();
        var mainLoop = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();

        await using (SystemdService.Ready(notifier, mainLoop.Task, TimeSpan.FromMilliseconds(10), stop.Token))
        {
            await notifier.WaitForAsync("WATCHDOG=1", count: 3);
            await stop.CancelAsync();
            mainLoop.SetResult();
        }
        var afterEnd = notifier.States.Count;

        Assert.Equal("READY=1", notifier.States.First());
        Assert.Contains("STOPPING=1", notifier.States);
        Assert.All(notifier.States.Skip(1), s => Assert.True(s is "WATCHDOG=1" or "STOPPING=1", s));
        Assert.Equal(afterEnd, notifier.States.Count);
    }

    [Fact]
    public async Task A_main_loop_that_ended_gets_no_pings()
    {
        var notifier = new RecordingNotifier();

        await using (SystemdService.Ready(notifier, Task.CompletedTask, TimeSpan.FromMilliseconds(1), CancellationToken.None))
        {
        }

        Assert.Equal(["READY=1"], notifier.States);
    }

    [Fact]
    public async Task Outside_systemd_nothing_is_sent_and_nothing_pings()
    {
        var notifier = new RecordingNotifier(enabled: false);
        await using (SystemdService.Ready(notifier, new TaskCompletionSource().Task, TimeSpan.FromMilliseconds(1), CancellationToken.None))
        {
        }

        Assert.Equal(["READY=1"], notifier.States);
    }

    private sealed class RecordingNotifier(bool enabled = true) : ISystemdNotifier
    {
        private readonly ConcurrentQueue<string> _states = new();
        private readonly SemaphoreSlim _sent = new(0);

        public bool IsEnabled => enabled;
        public IReadOnlyList<string> States => [.. _states];

        // SystemdNotifier itself sends nothing when disabled; the recording keeps every call, so a
        // test can see that a disabled notifier gets no watchdog loop.
        public void Notify(ServiceState state)
        {
            _states.Enqueue(state.ToString());
            _sent.Release();
        }

        public async Task WaitForAsync(string state, int count)
        {
            while (_states.Count(s => s == state) < count)
            {
                Assert.True(await _sent.WaitAsync(TimeSpan.FromSeconds(10)), $"fewer than {count} {state}");
            }
        }
    }
}
