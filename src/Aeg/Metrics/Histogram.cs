namespace Aeg.Metrics;

/// <summary>A thread-safe histogram with fixed upper bounds, as Prometheus expects.</summary>
public sealed class Histogram
{
    private readonly double[] _upperBounds;
    private readonly long[] _counts;
    private readonly Lock _gate = new();
    private double _sum;
    private long _count;

    /// <param name="upperBounds">Ascending, finite bucket bounds; the +Inf bucket is implied.</param>
    public Histogram(IReadOnlyList<double> upperBounds)
    {
        for (var i = 1; i < upperBounds.Count; i++)
        {
            if (!(upperBounds[i] > upperBounds[i - 1]))
            {
                throw new ArgumentException("Histogram bounds must be strictly ascending.", nameof(upperBounds));
            }
        }
        _upperBounds = [.. upperBounds];
        _counts = new long[_upperBounds.Length + 1];
    }

    public void Observe(double value)
    {
        var index = BucketOf(_upperBounds, value);
        lock (_gate)
        {
            _counts[index]++;
            _sum += value;
            _count++;
        }
    }

    /// <summary>Counts <paramref name="count"/> observations summing to <paramref name="sum"/> into bucket <paramref name="bucket"/> (<see cref="BucketOf"/>): totals kept elsewhere.</summary>
    public void Add(int bucket, long count, double sum)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bucket, _upperBounds.Length);
        lock (_gate)
        {
            _counts[bucket] += count;
            _sum += sum;
            _count += count;
        }
    }

    /// <summary>The bucket <see cref="Observe"/> counts <paramref name="value"/> in: the last one (+Inf) is <c>upperBounds.Count</c>.</summary>
    public static int BucketOf(IReadOnlyList<double> upperBounds, double value)
    {
        // An exact bound belongs to that bucket (le = less or equal); otherwise the first larger one.
        var lo = 0;
        var hi = upperBounds.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (upperBounds[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    public HistogramSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new HistogramSnapshot(_upperBounds, _counts[.._upperBounds.Length], _sum, _count);
        }
    }
}

/// <summary>A consistent copy of a histogram: per-bucket (not cumulative) counts, sum and count.</summary>
public sealed record HistogramSnapshot(double[] UpperBounds, long[] BucketCounts, double Sum, long Count);
