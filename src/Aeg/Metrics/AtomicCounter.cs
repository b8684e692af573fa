namespace Aeg.Metrics;

/// <summary>A 64-bit count that any thread may add to and read; a field of the counters classes.</summary>
/// <remarks>A mutable struct so a counters class holds its counts inline with no extra objects on the
/// per-message path: keep it in a (non-readonly) field and never copy it.</remarks>
public struct AtomicCounter
{
    private long _value;

    /// <summary>The count now.</summary>
    public long Value => Interlocked.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Decrement() => Interlocked.Decrement(ref _value);

    public void Add(long n) => Interlocked.Add(ref _value, n);

    /// <summary>Replaces the count (for values such as a lag that are set, not summed).</summary>
    public void Set(long value) => Interlocked.Exchange(ref _value, value);
}
