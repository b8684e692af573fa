using System.Collections.Concurrent;
using Aeg.Metrics;

namespace Aeg.Analytics;

/// <summary>
/// <c>aeg_analyst_sla_breaches_total{analyst,measure}</c>: durations recorded since start that were
/// longer than their <c>analytics.sla</c> target; thread-safe.
/// </summary>
public sealed class SlaBreachCounters(SlaOptions targets)
{
    private readonly ConcurrentDictionary<(DurationKind Kind, string Analyst), AtomicCounterBox> _breaches = new();

    /// <summary>Counts <paramref name="duration"/> when it breached its measure's target.</summary>
    public void Observe(AnalystDuration duration)
    {
        if (targets.Target(duration.Kind) is { } target && duration.EndMs - duration.StartMs > (long)target.TotalMilliseconds)
        {
            _breaches.GetOrAdd((duration.Kind, duration.Analyst), _ => new AtomicCounterBox()).Counter.Increment();
        }
    }

    /// <summary>Breaches since start of one measure by one analyst.</summary>
    public long Breaches(DurationKind kind, string analyst) => _breaches.TryGetValue((kind, analyst), out var b) ? b.Counter.Value : 0;

    public void WriteTo(PrometheusTextWriter writer)
    {
        if (!Enum.GetValues<DurationKind>().Any(k => targets.Target(k) is not null))
        {
            return;
        }
        writer.Family("aeg_analyst_sla_breaches_total", "counter",
            "Durations recorded since start that were longer than their analytics.sla target, by the analyst credited and the measure (respond, review, close).");
        foreach (var ((kind, analyst), box) in _breaches.OrderBy(b => b.Key.Analyst, StringComparer.Ordinal).ThenBy(b => b.Key.Kind))
        {
            writer.Sample("aeg_analyst_sla_breaches_total", box.Counter.Value, ("analyst", analyst), ("measure", kind.ToString().ToLowerInvariant()));
        }
    }

    // AtomicCounter is a struct: kept in a box so the dictionary's entry is counted in place.
    private sealed class AtomicCounterBox
    {
        public AtomicCounter Counter;
    }
}
