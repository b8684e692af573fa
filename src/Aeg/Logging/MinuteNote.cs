namespace Aeg.Logging;

/// <summary>
/// Lets a per-row note through at most once a minute: the first at once, the ones in between only
/// counted and named with the next (the metrics count every one). A drain with thousands of version
/// gaps then logs a line a minute instead of a line a row.
/// </summary>
public sealed class MinuteNote(TimeProvider? time = null)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private DateTimeOffset _saidAt = DateTimeOffset.MinValue;
    private long _held;

    /// <summary>True when this occurrence is to be logged; <paramref name="held"/> is how many were not since the last one.</summary>
    public bool Due(out long held)
    {
        var now = _time.GetUtcNow();
        if (now - _saidAt < Interval)
        {
            _held++;
            held = 0;
            return false;
        }
        held = _held;
        _held = 0;
        _saidAt = now;
        return true;
    }

    /// <summary>"" or " (and N more since the last note)", for the end of a message.</summary>
    public static string More(long held, string what) => held == 0 ? "" : $" (and {held} more {what} since the last note)";
}
