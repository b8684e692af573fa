using System.Globalization;

namespace Aeg.Logging;

/// <summary>
/// How times and durations read in a log line: ISO 8601 UTC times with milliseconds and
/// <c>650ms</c> / <c>1.2s</c> / <c>5m</c> durations, never .NET's <c>00:00:05.2500000</c> or epoch milliseconds.
/// </summary>
public static class LogText
{
    private static readonly long MinMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary><c>2026-12-05T08:35:07.123Z</c>; a value beyond what a date can hold is written as the number it is.</summary>
    public static string Time(long epochMs) =>
        epochMs >= MinMs && epochMs <= MaxMs
            ? DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : $"{epochMs.ToString(CultureInfo.InvariantCulture)} ms since 1970 (no date)";

    /// <summary><c>650ms</c>, <c>1.2s</c>, <c>45s</c>, <c>5m</c>, <c>2m 30s</c>, <c>1h 5m</c>, <c>2d 3h</c>: the units aeg.yaml uses.</summary>
    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero)
        {
            return "-" + Duration(d.Negate());
        }
        if (d < TimeSpan.FromSeconds(1))
        {
            return $"{(int)d.TotalMilliseconds}ms";
        }
        if (d < TimeSpan.FromSeconds(10))
        {
            return $"{d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s";
        }
        if (d < TimeSpan.FromMinutes(1))
        {
            return $"{(int)d.TotalSeconds}s";
        }
        if (d < TimeSpan.FromHours(1))
        {
            return d.Seconds == 0 ? $"{(int)d.TotalMinutes}m" : $"{(int)d.TotalMinutes}m {d.Seconds}s";
        }
        if (d < TimeSpan.FromDays(1))
        {
            return d.Minutes == 0 ? $"{(int)d.TotalHours}h" : $"{(int)d.TotalHours}h {d.Minutes}m";
        }
        return d.Hours == 0 ? $"{(int)d.TotalDays}d" : $"{(int)d.TotalDays}d {d.Hours}h";
    }
}
