using Aeg.State;

namespace Aeg.Annotations;

/// <summary>
/// The (event_id, version) keys already sent whose modification time is still inside the
/// look-back window, so a late-committed row is sent once and a re-read row is not sent again.
/// Bounded: past <c>capacity</c> the oldest keys are forgotten (and counted).
/// </summary>
public sealed class LookBackWindow(int capacity)
{
    private readonly HashSet<(long EventId, long Version)> _keys = [];
    // Keys in the order they were added; modification times are nearly ordered, so pruning from
    // the front is cheap. Entries already forgotten are skipped.
    private readonly Queue<SentKey> _order = new();

    public int Count => _keys.Count;

    /// <summary>Keys dropped because the window held more than its capacity.</summary>
    public long Overflowed { get; private set; }

    /// <summary>
    /// The window knows every key sent with a modification time from here on: past its capacity it
    /// forgot keys up to just before this, and a late-row search must not start earlier, or it would
    /// take a forgotten key for a late row and send it twice.
    /// </summary>
    public long CompleteFromMs { get; private set; } = long.MinValue;

    /// <summary>
    /// Starts the memory at a restart or first start: complete only from the oldest key kept (keys
    /// before it were pruned), or from the cursor when none is kept (rows before a first start, or
    /// sent by a version of Aeg that kept less, are not ours to send again).
    /// </summary>
    public void Start(AnnotationCursor cursor) =>
        CompleteFromMs = _order.Count > 0 ? _order.Min(k => k.ModificationTimeMs) : cursor.ModificationTimeMs + 1;

    public bool Contains(long eventId, long version) => _keys.Contains((eventId, version));

    public void Add(SentKey key)
    {
        if (_keys.Add((key.EventId, key.Version)))
        {
            _order.Enqueue(key);
        }
        while (_keys.Count > capacity && _order.TryDequeue(out var old))
        {
            if (_keys.Remove((old.EventId, old.Version)))
            {
                Overflowed++;
                CompleteFromMs = Math.Max(CompleteFromMs, old.ModificationTimeMs + 1);
            }
        }
    }

    /// <summary>Forgets keys older than <paramref name="oldestMs"/>.</summary>
    public void Prune(long oldestMs)
    {
        var keep = new List<SentKey>();
        // Only the front of the queue can be old enough in the usual case; stop at the first young key.
        while (_order.TryPeek(out var k) && k.ModificationTimeMs < oldestMs)
        {
            _order.Dequeue();
            _keys.Remove((k.EventId, k.Version));
        }
        // Late rows may sit behind younger keys; sweep fully only when the window is big.
        if (_order.Count > 0 && _order.Count > capacity / 2)
        {
            foreach (var k in _order)
            {
                if (k.ModificationTimeMs >= oldestMs)
                {
                    keep.Add(k);
                }
                else
                {
                    _keys.Remove((k.EventId, k.Version));
                }
            }
            _order.Clear();
            foreach (var k in keep)
            {
                _order.Enqueue(k);
            }
        }
    }

    public List<SentKey> ToList() => _order.Where(k => _keys.Contains((k.EventId, k.Version))).ToList();
}
