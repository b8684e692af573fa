namespace Aeg.Cef;

/// <summary>
/// An extension key checked and encoded once, for a writer that sends the same keys in every
/// message: <see cref="CefWriter.WriteExtension(CefPreparedKey, ReadOnlySpan{char})"/> then
/// skips validating the key and looking up its limit.
/// </summary>
public sealed class CefPreparedKey
{
    private readonly byte[] _spaceKeyEquals;

    private CefPreparedKey(string name, byte[] spaceKeyEquals)
    {
        Name = name;
        _spaceKeyEquals = spaceKeyEquals;
        MaxValueLength = CefLimits.MaxValueLength(name);
    }

    public string Name { get; }

    /// <summary>The key's value limit in UTF-16 units (<see cref="int.MaxValue"/> when CEF sets none).</summary>
    public int MaxValueLength { get; }

    // " key=": the separator comes first so that one copy writes both.
    internal ReadOnlySpan<byte> SpaceKeyEquals => _spaceKeyEquals;

    /// <exception cref="ArgumentException">The key is not a valid CEF key.</exception>
    public static CefPreparedKey Create(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!CefLimits.IsValidKey(key))
        {
            throw CefWriter.InvalidKey(key);
        }

        var bytes = new byte[key.Length + 2];
        bytes[0] = (byte)' ';
        for (var i = 0; i < key.Length; i++)
        {
            bytes[i + 1] = (byte)key[i];
        }

        bytes[^1] = (byte)'=';
        return new CefPreparedKey(key, bytes);
    }

    public override string ToString() => Name;
}

/// <summary>A <c>key=value</c> pair whose value never changes (a label), escaped and truncated once.</summary>
public sealed class CefPreparedPair
{
    private readonly byte[] _utf8;

    internal CefPreparedPair(string key, byte[] utf8, int truncatedFields)
    {
        Key = key;
        _utf8 = utf8;
        TruncatedFields = truncatedFields;
    }

    public string Key { get; }

    /// <summary>1 when the value was cut to the key's limit: counted again in every message it is written to.</summary>
    public int TruncatedFields { get; }

    // " key=value", escaped.
    internal ReadOnlySpan<byte> Utf8 => _utf8;

    /// <exception cref="ArgumentException">The key is not a valid CEF key.</exception>
    public static CefPreparedPair Create(string key, string value) => Create(CefPreparedKey.Create(key), value);

    public static CefPreparedPair Create(CefPreparedKey key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return CefWriter.PreparePair(key, value);
    }
}

/// <summary>
/// The header fields before the severity (<c>CEF:0|vendor|product|version|class|name|</c>),
/// escaped and truncated once, for a writer whose messages differ only in severity.
/// </summary>
public sealed class CefPreparedHeader
{
    private readonly byte[] _utf8;

    internal CefPreparedHeader(byte[] utf8, int truncatedFields)
    {
        _utf8 = utf8;
        TruncatedFields = truncatedFields;
    }

    /// <summary>How many fields were cut to their limit: counted again in every message.</summary>
    public int TruncatedFields { get; }

    internal ReadOnlySpan<byte> Utf8 => _utf8;

    public static CefPreparedHeader Create(string deviceVendor, string deviceProduct, string deviceVersion, string deviceEventClassId,
        string name, int version = 0)
        => CefWriter.PrepareHeader(deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, version);
}
