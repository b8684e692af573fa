namespace Aeg.Esm;

/// <summary>A small bounded cache of fetched ESM events by id: least recently used out first, entries expire after a time to live.</summary>
public sealed class EsmEventCache(int capacity, TimeSpan timeToLive, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<long, LinkedListNode<(long Id, EsmEvent Event, long Expires)>> _index = [];
    private readonly LinkedList<(long Id, EsmEvent Event, long Expires)> _order = new();
    private readonly Lock _lock = new();

    /// <summary>Events held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>The cached event, or null when absent or expired.</summary>
    public EsmEvent? Get(long id)
    {
        lock (_lock)
        {
            if (!_index.TryGetValue(id, out var node))
            {
                return null;
            }
            if (node.Value.Expires <= _time.GetTimestamp())
            {
                _order.Remove(node);
                _index.Remove(id);
                return null;
            }
            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Event;
        }
    }

    /// <summary>Keeps <paramref name="esmEvent"/>, dropping the least recently used when full.</summary>
    public void Put(long id, EsmEvent esmEvent)
    {
        if (capacity <= 0 || timeToLive <= TimeSpan.Zero)
        {
            return;
        }
        var expires = _time.GetTimestamp() + (long)(timeToLive.TotalSeconds * _time.TimestampFrequency);
        lock (_lock)
        {
            if (_index.Remove(id, out var old))
            {
                _order.Remove(old);
            }
            while (_index.Count >= capacity && _order.Last is { } last)
            {
                _order.RemoveLast();
                _index.Remove(last.Value.Id);
            }
            _index[id] = _order.AddFirst((id, esmEvent, expires));
        }
    }
}
