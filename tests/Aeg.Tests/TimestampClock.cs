namespace Aeg.Tests;

/// <summary>A monotonic clock that moves only when a test advances it (for code that times itself with GetTimestamp).</summary>
internal sealed class TimestampClock : TimeProvider
{
    private long _ticks;

    public void Advance(TimeSpan by) => _ticks += by.Ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;
}
