using System.Net;

namespace Aeg.Listener;

/// <summary>The sender addresses and networks a listener accepts; an empty list accepts everyone.</summary>
public sealed class SenderAllowList
{
    private readonly IPNetwork[] _networks;

    /// <summary>Builds the list from entries such as <c>10.0.0.0/8</c>, <c>192.0.2.7</c> or <c>2001:db8::/32</c>.</summary>
    public SenderAllowList(IEnumerable<string> entries)
    {
        _networks = [.. entries.Select(e => TryParseEntry(e, out var n) ? n : throw new FormatException($"'{e}' is not an IP address or CIDR network"))];
    }

    /// <summary>True when no entries are configured.</summary>
    public bool AllowsEveryone => _networks.Length == 0;

    /// <summary>Whether <paramref name="address"/> may send (IPv4-mapped IPv6 addresses count as IPv4).</summary>
    public bool IsAllowed(IPAddress address)
    {
        if (_networks.Length == 0)
        {
            return true;
        }

        address = SenderRegistry.Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses an address (a /32 or /128 network) or a CIDR network.</summary>
    public static bool TryParseEntry(string? entry, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(entry))
        {
            return false;
        }

        entry = entry.Trim();
        if (entry.Contains('/'))
        {
            return IPNetwork.TryParse(entry, out network);
        }

        if (!IPAddress.TryParse(entry, out var address))
        {
            return false;
        }

        address = SenderRegistry.Normalize(address);
        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}
