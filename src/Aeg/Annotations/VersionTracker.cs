namespace Aeg.Annotations;

/// <summary>
/// Remembers the last version sent per event id (bounded, oldest forgotten first) to detect
/// versions that were never seen: an edit overwritten by another between two polls.
/// </summary>
public sealed class VersionTracker(int capacity)
{
    private readonly Dictionary<long, long> _last = [];
    private readonly Queue<long> _order = new();

    public int Count => _last.Count;

    public long? LastVersion(long eventId) => _last.TryGetValue(eventId, out var v) ? v : null;

    public void Set(long eventId, long version)
    {
        if (capacity == 0)
        {
            return;
        }
        if (!_last.ContainsKey(eventId))
        {
            _order.Enqueue(eventId);
        }
        _last[eventId] = version;
        while (_last.Count > capacity && _order.TryDequeue(out var old))
        {
            _last.Remove(old);
        }
    }

    /// <summary>How many versions were missed between <paramref name="previous"/> and <paramref name="current"/>.</summary>
    public static long Missed(long? previous, long current, bool gapOnFirstSight) => previous switch
    {
        null => gapOnFirstSight && current > 1 ? current - 1 : 0,
        { } p when current > p + 1 => current - p - 1,
        _ => 0,
    };

    public IEnumerable<KeyValuePair<long, long>> Entries => _order.Where(_last.ContainsKey).Select(id => new KeyValuePair<long, long>(id, _last[id]));
}
