using System.Collections.Concurrent;
using Aeg.Metrics;

namespace Aeg.Analytics;

/// <summary>
/// The Prometheus histograms of time to respond, review and close per analyst, plus the
/// analytics counters; filled from the history's bucket totals at the first scrape and by every recorded batch.
/// </summary>
public sealed class AnalystHistograms : IMetricsSource
{
    /// <summary>Bucket bounds in seconds: 1, 5, 15, 30 minutes; 1, 2, 4, 8, 12 hours; 1, 2, 4, 7 days.</summary>
    public static readonly double[] BucketSeconds = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 345600, 604800];

    private static readonly (DurationKind Kind, string Name, string Help)[] Families =
    [
        (DurationKind.Respond, "aeg_analyst_time_to_respond_seconds", "Event MRT to the first stage change away from the initial stage, by the analyst who made it."),
        (DurationKind.Review, "aeg_analyst_time_to_review_seconds", "Event MRT to the first time the event was marked reviewed, by the analyst who marked it."),
        (DurationKind.Close, "aeg_analyst_time_to_close_seconds", "Marked reviewed to a final stage, by the analyst who closed the event."),
    ];

    private readonly ConcurrentDictionary<(DurationKind Kind, string Analyst, DurationSource Source), Histogram> _histograms = new();

    /// <summary>The <c>obtained</c> label's values, by <see cref="DurationSource"/>.</summary>
    public static string ObtainedLabel(DurationSource source) => source switch
    {
        DurationSource.Observed => "observed",
        DurationSource.Recovered => "recovered",
        DurationSource.Inferred => "inferred",
        _ => source.ToString().ToLowerInvariant(),
    };
    private readonly AnalyticsStore? _store;
    private readonly Lock _loadGate = new();
    private bool _loaded;

    /// <summary>Histograms rebuilt from <paramref name="store"/> on first use (none when null).</summary>
    public AnalystHistograms(AnalyticsStore? store = null, AnalyticsCounters? counters = null)
    {
        _store = store;
        _loaded = store is null;
        Counters = counters ?? new AnalyticsCounters();
    }

    public AnalyticsCounters Counters { get; }

    /// <summary>The SLA breach counters (<c>analytics.sla</c>), set before recording starts; null: no targets.</summary>
    public SlaBreachCounters? Breaches { get; set; }

    /// <summary>Histograms rebuilt at once from the store's bucket totals, so /metrics survives a restart.</summary>
    public static AnalystHistograms Load(AnalyticsStore store, AnalyticsCounters? counters = null)
    {
        var histograms = new AnalystHistograms(store, counters);
        histograms.EnsureLoaded();
        return histograms;
    }

    /// <summary>Counts a duration that was just committed to the store.</summary>
    /// <remarks>
    /// Before the first scrape nothing is kept in memory: the rebuild then reads it from the store
    /// (so <c>aeg poll --once</c> never pays for reading the whole history). The gate keeps a
    /// duration from being counted by both the rebuild and this call.
    /// </remarks>
    public void Observe(AnalystDuration duration)
    {
        // Breaches count from start, not from the history's totals, so they need no rebuild.
        Breaches?.Observe(duration);
        lock (_loadGate)
        {
            if (_loaded)
            {
                ObserveNow(duration);
            }
        }
    }

    private void ObserveNow(AnalystDuration duration) =>
        _histograms.GetOrAdd((duration.Kind, duration.Analyst, duration.Source), _ => new Histogram(BucketSeconds)).Observe(duration.Seconds);

    private void EnsureLoaded()
    {
        lock (_loadGate)
        {
            if (_loaded)
            {
                return;
            }
            foreach (var t in _store!.BucketTotals())
            {
                _histograms.GetOrAdd((t.Kind, t.Analyst, t.Source), _ => new Histogram(BucketSeconds)).Add(t.Bucket, t.Count, t.SumMs / 1000.0);
            }
            _loaded = true;
        }
    }

    public void WriteTo(PrometheusTextWriter writer)
    {
        try
        {
            EnsureLoaded();
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // A scrape must not fail because the history cannot be read; the next one tries again.
            Counters.RecordFailed();
        }
        foreach (var (kind, name, help) in Families)
        {
            writer.Family(name, "histogram", help);
            foreach (var (key, histogram) in _histograms.Where(h => h.Key.Kind == kind).OrderBy(h => h.Key.Analyst, StringComparer.Ordinal).ThenBy(h => h.Key.Source))
            {
                writer.Histogram(name, histogram.Snapshot(), ("analyst", key.Analyst), ("obtained", ObtainedLabel(key.Source)));
            }
        }
        Breaches?.WriteTo(writer);
        Counters.WriteTo(writer);
    }
}
