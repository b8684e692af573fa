using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Aeg.Listener;

/// <summary>
/// Maps a datagram's source <see cref="SocketAddress"/> to its sender's counters (null: refused by
/// the allow-list) without allocating for senders seen before. Used by one receive loop only.
/// </summary>
/// <remarks>
/// The key is the address bytes of the native sockaddr (IPv4 at offset 4, IPv6 at offset 8, the
/// same on Linux, Windows and macOS), IPv4 stored as IPv4-mapped IPv6; the port is ignored. The
/// cache is bounded: when full it starts over, so spoofed floods cost allocations, never memory.
/// </remarks>
internal sealed class UdpSenderCache(SenderRegistry senders, SenderAllowList allow, int capacity = 4096)
{
    private readonly Dictionary<UInt128, SenderCounters?> _cache = [];

    public SenderCounters? Lookup(SocketAddress address)
    {
        var key = Key(address);
        if (_cache.TryGetValue(key, out var counters))
        {
            return counters;
        }

        if (_cache.Count >= capacity)
        {
            _cache.Clear();
        }

        var ip = SenderRegistry.Normalize(((IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(address)).Address);
        counters = allow.IsAllowed(ip) ? senders.Get(ip) : null;
        _cache[key] = counters;
        return counters;
    }

    private static UInt128 Key(SocketAddress address)
    {
        var bytes = address.Buffer.Span;
        if (address.Family == AddressFamily.InterNetwork)
        {
            return new UInt128(0, 0xFFFF_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(4, 4)));
        }

        var a = bytes.Slice(8, 16);
        return new UInt128(BinaryPrimitives.ReadUInt64BigEndian(a), BinaryPrimitives.ReadUInt64BigEndian(a[8..]));
    }
}
