using System.Collections.Concurrent;
using Aeg.Metrics;

namespace Aeg.Analytics.Cases;

/// <summary>
/// The ESM case durations as Prometheus histograms per owner (<c>aeg_esm_case_time_to_close_seconds</c>,
/// <c>aeg_esm_case_time_to_first_stage_change_seconds</c>), same buckets as the analyst histograms. Loaded from the
/// history once, at the first scrape (ESM sites have thousands of cases, not millions), then fed each new duration.
/// </summary>
public sealed class CaseHistograms(CaseHistoryStore store) : IMetricsSource
{
    private readonly ConcurrentDictionary<(CaseDurationKind Kind, string Owner), Histogram> _histograms = new();
    private readonly Lock _gate = new();
    private bool _loaded;

    /// <summary>Adds durations just recorded (ignored until the history is loaded: the load reads them).</summary>
    public void Observe(IEnumerable<CaseDuration> durations)
    {
        lock (_gate)
        {
            if (_loaded)
            {
                foreach (var d in durations)
                {
                    Add(d);
                }
            }
        }
    }

    private void Add(CaseDuration d) => _histograms.GetOrAdd((d.Kind, d.Owner), _ => new Histogram(AnalystHistograms.BucketSeconds)).Observe(d.Seconds);

    public void WriteTo(PrometheusTextWriter writer)
    {
        lock (_gate)
        {
            if (!_loaded)
            {
                try
                {
                    foreach (var d in store.Durations())
                    {
                        Add(d);
                    }
                    _loaded = true;
                }
                catch (Microsoft.Data.Sqlite.SqliteException)
                {
                    // A scrape must not fail because the history cannot be read; the next one tries again.
                    _histograms.Clear();
                }
            }
        }
        foreach (var (kind, name, help) in new[]
        {
            (CaseDurationKind.Close, "aeg_esm_case_time_to_close_seconds", "ESM cases: creation (or re-open) to a closed stage, per owner at the close."),
            (CaseDurationKind.FirstChange, "aeg_esm_case_time_to_first_stage_change_seconds", "ESM cases: creation to the first stage change, per owner at the change."),
        })
        {
            writer.Family(name, "histogram", help);
            foreach (var (key, histogram) in _histograms.Where(h => h.Key.Kind == kind).OrderBy(h => h.Key.Owner, StringComparer.Ordinal))
            {
                writer.Histogram(name, histogram.Snapshot(), ("owner", key.Owner));
            }
        }
    }
}
