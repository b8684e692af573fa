using Aeg.Syslog;

namespace Aeg.Annotations;

/// <summary>
/// A cheap question to one of the poller's dependencies, "do you answer now?", asked every
/// <see cref="Interval"/> while it is down so that the poll resumes the moment it is back instead
/// of when the retry backoff ends.
/// </summary>
/// <param name="name">What the dependency is, for the log: <c>database</c>, <c>syslog destination</c>.</param>
/// <param name="description">Where it is, safe to log (no password).</param>
/// <param name="answers">True when it answered, null when it cannot be asked (UDP); may throw, which counts as no answer.</param>
public sealed class DependencyProbe(string name, string description, Func<CancellationToken, ValueTask<bool?>> answers)
{
    /// <summary>Time from the start of one probe to the start of the next while the dependency is down.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Longest a probe may take. A refused or reset connection fails at once; this bounds a
    /// silent network (a dropped SYN), where giving up early and trying again soon finds the
    /// way back sooner than one connect waiting out the kernel's retransmissions.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public string Name { get; } = name;

    public string Description { get; } = description;

    /// <summary>
    /// The database answers when a connection opens and <c>SELECT 1</c> returns. The connection
    /// goes back to the pool, so the poll that follows finds one that works.
    /// </summary>
    public static DependencyProbe Database(AnnotationDatabase database) => new("database", database.Description, async ct =>
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = database.CreateCommand(connection, "SELECT 1");
        await command.ExecuteScalarAsync(ct);
        return true;
    });

    /// <summary>A TCP or TLS destination answers when it accepts a connection (kept for the next send); UDP cannot be asked.</summary>
    public static DependencyProbe Syslog(ISyslogSender sender) => new("syslog destination", sender.Destination, sender.ProbeAsync);

    /// <summary>
    /// True when the dependency answered within <see cref="Timeout"/>, false when not, null when
    /// it cannot be asked; never throws but for <paramref name="stop"/>.
    /// </summary>
    public async Task<bool?> AnswersAsync(CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(Timeout);
        try
        {
            return await answers(deadline.Token);
        }
        catch (Exception) when (!stop.IsCancellationRequested)
        {
            // Any failure is "not yet": what went wrong is what the failed poll already logged.
            return false;
        }
    }
}
