namespace Aeg.State;

/// <summary>The keyset position of the poller: the last row sent, ordered by (modification time, event id).</summary>
public readonly record struct AnnotationCursor(long ModificationTimeMs, long EventId) : IComparable<AnnotationCursor>
{
    /// <summary>A cursor before every row.</summary>
    public static AnnotationCursor Beginning => new(long.MinValue, long.MinValue);

    /// <summary>A cursor just before the first row at or after <paramref name="time"/>.</summary>
    public static AnnotationCursor Before(DateTimeOffset time) => new(time.ToUnixTimeMilliseconds() - 1, long.MaxValue);

    public int CompareTo(AnnotationCursor other)
    {
        var c = ModificationTimeMs.CompareTo(other.ModificationTimeMs);
        return c != 0 ? c : EventId.CompareTo(other.EventId);
    }

    /// <summary>As a log line shows it: <c>2026-12-05T08:35:07.123Z / event 1002</c>, <c>before 2026-12-05T08:35:07.124Z</c>, <c>the beginning</c>.</summary>
    public override string ToString() =>
        this == Beginning ? "the beginning"
        : EventId == long.MaxValue ? $"before {Logging.LogText.Time(ModificationTimeMs + 1)}"
        : $"{Logging.LogText.Time(ModificationTimeMs)} / event {EventId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static bool operator <(AnnotationCursor a, AnnotationCursor b) => a.CompareTo(b) < 0;
    public static bool operator >(AnnotationCursor a, AnnotationCursor b) => a.CompareTo(b) > 0;
    public static bool operator <=(AnnotationCursor a, AnnotationCursor b) => a.CompareTo(b) <= 0;
    public static bool operator >=(AnnotationCursor a, AnnotationCursor b) => a.CompareTo(b) >= 0;
}

/// <summary>An (event_id, version) already sent, with its modification time so the look-back window can forget it.</summary>
public readonly record struct SentKey(long EventId, long Version, long ModificationTimeMs);
