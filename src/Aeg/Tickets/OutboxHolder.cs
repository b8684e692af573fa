using System.Diagnostics;
using System.Globalization;

namespace Aeg.Tickets;

/// <summary>
/// Who holds a lease in the outbox: <c>host/pid/process start (Unix ms)</c>. A holder on this host
/// whose process is gone (or whose pid now belongs to a younger process) is dead, so its leases
/// can be taken at once instead of waiting for them to expire — a restart after <c>kill -9</c>
/// resumes its jobs immediately.
/// </summary>
public static class OutboxHolder
{
    private static readonly Lazy<string> Current = new(() =>
    {
        using var self = Process.GetCurrentProcess();
        return $"{Environment.MachineName}/{Environment.ProcessId}/{StartMs(self).ToString(CultureInfo.InvariantCulture)}";
    });

    /// <summary>This process's holder id.</summary>
    public static string Self => Current.Value;

    /// <summary>True when <paramref name="holder"/> is a process of this host that no longer runs.</summary>
    public static bool IsDeadOnThisHost(string holder)
    {
        var parts = holder.Split('/');
        if (parts.Length != 3 || parts[0] != Environment.MachineName ||
            !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid) ||
            !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var started))
        {
            // Another host (or a test's made-up holder): only its lease expiry frees its claims.
            return false;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            // A pid is reused: a process that started later than the holder is not the holder.
            return Math.Abs(StartMs(process) - started) > 1000;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return true;
        }
    }

    private static long StartMs(Process process) => new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();
}
