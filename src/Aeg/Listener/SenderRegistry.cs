using System.Collections.Concurrent;
using System.Net;

namespace Aeg.Listener;

/// <summary>The <see cref="SenderCounters"/> of every sender address, shared by all listeners.</summary>
/// <remarks>
/// Bounded: UDP source addresses cost an attacker nothing to vary, so an unbounded map would be a
/// memory leak on demand. The first <see cref="MaxSenders"/> distinct addresses get counters of
/// their own; every later one is counted in <see cref="Other"/>, so totals stay exact while the
/// per-address detail is kept for the senders seen first (in practice the real ones: connectors
/// and ESM managers start sending long before anything odd shows up).
/// </remarks>
public sealed class SenderRegistry(int maxSenders = SenderRegistry.DefaultMaxSenders)
{
    /// <summary>Default bound on distinct senders.</summary>
    public const int DefaultMaxSenders = 1000;

    /// <summary>Address text of the shared counters for senders beyond the bound.</summary>
    public const string OtherAddress = "other";

    private readonly ConcurrentDictionary<IPAddress, SenderCounters> _senders = new();
    private int _count;

    /// <summary>How many distinct senders get counters of their own.</summary>
    public int MaxSenders { get; } = maxSenders;

    /// <summary>Counters shared by all senders beyond <see cref="MaxSenders"/>.</summary>
    public SenderCounters Other { get; } = new(OtherAddress);

    /// <summary>The counters of <paramref name="address"/> (or <see cref="Other"/> once the bound is reached).</summary>
    public SenderCounters Get(IPAddress address)
    {
        address = Normalize(address);
        if (_senders.TryGetValue(address, out var counters))
        {
            return counters;
        }

        if (Volatile.Read(ref _count) >= MaxSenders)
        {
            return Other;
        }

        lock (_senders)
        {
            if (_senders.TryGetValue(address, out counters))
            {
                return counters;
            }

            if (_count >= MaxSenders)
            {
                return Other;
            }

            counters = new SenderCounters(address.ToString());
            _senders[address] = counters;
            _count++;
            return counters;
        }
    }

    /// <summary>All counters, ordered by address, with <see cref="Other"/> last when it counted anything.</summary>
    public IReadOnlyList<SenderCounters> Snapshot()
    {
        var list = _senders.Values.OrderBy(c => c.Address, StringComparer.Ordinal).ToList();
        if (Other.Received + Other.Oversized + Other.RateLimited > 0)
        {
            list.Add(Other);
        }

        return list;
    }

    /// <summary>An IPv4-mapped IPv6 address (from a dual-stack socket) as the IPv4 address it is.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
