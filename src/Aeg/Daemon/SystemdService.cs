using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace Aeg.Daemon;

/// <summary>
/// What a <c>Type=notify</c> unit expects of <c>aeg run</c> and <c>aeg listen</c>: READY=1 once the
/// poller and listeners are up, STOPPING=1 when a stop begins, and WATCHDOG=1 every half
/// <c>WatchdogSec</c> for as long as the daemon's main loop runs. Outside systemd (no NOTIFY_SOCKET) it does nothing.
/// </summary>
public sealed class SystemdService : IAsyncDisposable
{
    private readonly ISystemdNotifier _notifier;
    private readonly CancellationTokenSource _end = new();
    private readonly CancellationTokenRegistration _onStop;
    private readonly Task _watchdog;

    private SystemdService(ISystemdNotifier notifier, Task mainLoop, TimeSpan? watchdogInterval, CancellationToken stop)
    {
        _notifier = notifier;
        notifier.Notify(ServiceState.Ready);
        _onStop = stop.Register(() => notifier.Notify(ServiceState.Stopping));
        _watchdog = watchdogInterval is { } interval ? PingWhileAliveAsync(mainLoop, interval) : Task.CompletedTask;
    }

    /// <summary>
    /// Sends READY=1 now (call it once <paramref name="mainLoop"/> is running), STOPPING=1 when
    /// <paramref name="stop"/> fires, and watchdog pings until <paramref name="mainLoop"/> ends.
    /// </summary>
    public static SystemdService Ready(Task mainLoop, CancellationToken stop) =>
        Ready(new SystemdNotifier(), mainLoop, WatchdogInterval(Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
            Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId), stop);

    internal static SystemdService Ready(ISystemdNotifier notifier, Task mainLoop, TimeSpan? watchdogInterval, CancellationToken stop) =>
        new(notifier, mainLoop, notifier.IsEnabled ? watchdogInterval : null, stop);

    /// <summary>
    /// Half the watchdog timeout systemd sets in <c>WATCHDOG_USEC</c> (systemd's advice), or null
    /// when there is none or <c>WATCHDOG_PID</c> names another process (the variables were inherited).
    /// </summary>
    public static TimeSpan? WatchdogInterval(string? usec, string? pid, int processId)
    {
        if (pid is { Length: > 0 } && pid != processId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }
        return long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micros) && micros > 0
            ? TimeSpan.FromMicroseconds(micros / 2.0)
            : null;
    }

    // A ping says the main loop still runs and the thread pool still schedules work: a loop that
    // ended, or a process too stuck to run this timer, stops the pings and systemd restarts aeg.
    private async Task PingWhileAliveAsync(Task mainLoop, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (!mainLoop.IsCompleted)
            {
                _notifier.Notify(new ServiceState("WATCHDOG=1"));
                await timer.WaitForNextTickAsync(_end.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Ends the watchdog pings.</summary>
    public async ValueTask DisposeAsync()
    {
        await _end.CancelAsync();
        await _watchdog;
        await _onStop.DisposeAsync();
        _end.Dispose();
    }
}
