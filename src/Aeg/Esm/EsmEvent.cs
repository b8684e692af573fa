using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Aeg.Rules;

namespace Aeg.Esm;

/// <summary>
/// One security event as the Service Layer returns it, read by path (<c>originalAgent.zone.uri</c>). Values come out
/// as text an analyst can read: ESM's "no value" sentinels (-9223372036854775808, -2147483648, 5e-324) are absent,
/// addresses (32-bit numbers, <c>addressAsBytes</c> in base64 or as a byte list) become dotted IPv4 or IPv6 text,
/// MAC addresses colon-separated hex; other numbers stay as written (no rounding past 2^53).
/// </summary>
public sealed class EsmEvent(JsonElement root) : IEventEnrichment
{
    private const int MaxDepth = 32;

    /// <summary>The event as returned.</summary>
    public JsonElement Root { get; } = root;

    /// <summary>The event's <c>eventId</c>, or 0 when it has none.</summary>
    public long EventId => Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty("eventId", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var v) ? v : 0;

    /// <inheritdoc/>
    public string? Get(string path)
    {
        var current = Root;
        JsonElement parent = default;
        string leaf = "";
        foreach (var segment in path.Split('.'))
        {
            parent = current;
            leaf = segment;
            if (!Step(current, segment, out current))
            {
                return null;
            }
        }
        return Format(leaf, current, parent);
    }

    /// <summary>Every leaf of the event with its path and value as <see cref="Get"/> renders it (null: absent), in document order.</summary>
    public IEnumerable<(string Path, string? Value)> Fields() => Walk(Root, "", default, "", 0);

    private static IEnumerable<(string, string?)> Walk(JsonElement element, string path, JsonElement parent, string leaf, int depth)
    {
        if (depth < MaxDepth && element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                foreach (var field in Walk(property.Value, path.Length == 0 ? property.Name : path + "." + property.Name, element, property.Name, depth + 1))
                {
                    yield return field;
                }
            }
            yield break;
        }
        if (depth < MaxDepth && element.ValueKind == JsonValueKind.Array && !IsAddressBytes(leaf))
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                foreach (var field in Walk(item, $"{path}.{i++}", element, leaf, depth + 1))
                {
                    yield return field;
                }
            }
            yield break;
        }
        yield return (path, Format(leaf, element, parent));
    }

    // The XML-mapped JSON gives a one-element list as the bare element: index 0 of a non-list is the element itself.
    private static bool Step(JsonElement current, string segment, out JsonElement next)
    {
        next = default;
        var isIndex = segment.Length > 0 && char.IsAsciiDigit(segment[0]);
        if (isIndex)
        {
            var index = int.Parse(segment, CultureInfo.InvariantCulture);
            if (current.ValueKind == JsonValueKind.Array)
            {
                if (index >= current.GetArrayLength())
                {
                    return false;
                }
                next = current[index];
                return true;
            }
            next = current;
            return index == 0 && current.ValueKind != JsonValueKind.Undefined;
        }
        if (current.ValueKind == JsonValueKind.Array && current.GetArrayLength() > 0)
        {
            current = current[0];
        }
        return current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out next);
    }

    /// <summary>The text of one value; null for absent values and sentinels.</summary>
    internal static string? Format(string name, JsonElement value, JsonElement parent)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                var text = value.GetString();
                if (string.IsNullOrEmpty(text))
                {
                    return null;
                }
                return IsAddressBytes(name) ? AddressFromBytes(text) ?? text : text;
            case JsonValueKind.Number:
                // addressAsBytes carries IPv6 too (the number then is the sentinel or the low 32 bits).
                if (name == "address" && parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty("addressAsBytes", out var bytes)
                    && Format("addressAsBytes", bytes, parent) is { } fromBytes && fromBytes.Contains(':', StringComparison.Ordinal))
                {
                    return fromBytes;
                }
                if (IsSentinel(value))
                {
                    return null;
                }
                if (IsMac(name) && value.TryGetInt64(out var mac))
                {
                    return MacText(mac);
                }
                if (IsAddress(name))
                {
                    if (value.TryGetInt64(out var v4) && v4 is >= 0 and <= uint.MaxValue)
                    {
                        return new IPAddress(BinaryPrimitives.ReverseEndianness((uint)v4)).ToString();
                    }
                    if (value.TryGetInt32(out var signed))
                    {
                        // A Java int: addresses above 127.255.255.255 may come out negative.
                        return new IPAddress(BinaryPrimitives.ReverseEndianness(unchecked((uint)signed))).ToString();
                    }
                }
                return value.GetRawText();
            case JsonValueKind.Array when IsAddressBytes(name):
                return AddressFromList(value) ?? value.GetRawText();
            case JsonValueKind.True or JsonValueKind.False:
                return value.GetRawText();
            default:
                return value.GetRawText();
        }
    }

    private static bool IsSentinel(JsonElement number)
    {
        var raw = number.GetRawText();
        if (raw is "-9223372036854775808" or "-2147483648" or "5e-324" or "4.9e-324" or "4.9E-324" or "5E-324")
        {
            return true;
        }
        // The same sentinels written differently (-9.223372036854776E18 by clients that went through a double).
        return number.TryGetDouble(out var d) && (d == double.Epsilon || d == long.MinValue);
    }

    private static bool IsAddressBytes(string name) => name.EndsWith("AsBytes", StringComparison.Ordinal);

    private static bool IsMac(string name) => name.Equals("macAddress", StringComparison.OrdinalIgnoreCase) || name.EndsWith("MacAddress", StringComparison.Ordinal);

    private static bool IsAddress(string name) => !IsMac(name) && (name == "address" || name.EndsWith("Address", StringComparison.Ordinal)
        || name.StartsWith("domainIpv4addr", StringComparison.Ordinal) || name.StartsWith("deviceCustomIPv6Address", StringComparison.Ordinal));

    private static string? AddressFromBytes(string base64)
    {
        Span<byte> buffer = stackalloc byte[16];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? Address(buffer[..written]) : null;
    }

    private static string? AddressFromList(JsonElement list)
    {
        Span<byte> buffer = stackalloc byte[16];
        var n = 0;
        foreach (var item in list.EnumerateArray())
        {
            // Java bytes are signed: -64 is 0xC0.
            if (n == 16 || item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var b) || b is < -128 or > 255)
            {
                return null;
            }
            buffer[n++] = unchecked((byte)b);
        }
        return Address(buffer[..n]);
    }

    private static string? Address(ReadOnlySpan<byte> bytes) => bytes.Length is 4 or 16 ? new IPAddress(bytes).ToString() : null;

    private static string MacText(long mac)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, mac);
        return string.Join(':', b[2..].ToArray().Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));
    }
}
