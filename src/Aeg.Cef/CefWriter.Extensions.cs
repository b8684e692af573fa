using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Aeg.Cef;

// The extension: key=value pairs, for keys given each time or prepared once.
// Each public WriteExtension is one call from the caller, with everything but the escaper inlined
// into it (WriteValue, WriteNumber): left small, the JIT inlined them into a caller writing twenty
// pairs, ran out of inlining budget there and left the pieces as calls (~3-7% per message).
public sealed partial class CefWriter
{
    // Longer values are written piece by piece rather than into one span sized for the worst case.
    private const int MaxSingleSpanValue = 64 * 1024;

    /// <summary>Writes one <c>key=value</c> pair for a key prepared once, escaping the value and truncating it to the key's limit.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void WriteExtension(CefPreparedKey key, ReadOnlySpan<char> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureHeader();
        WriteValue<Utf16Text, char>(PairPrefix(key), value, key.MaxValueLength);
    }

    /// <summary>
    /// Writes one <c>key=value</c> pair for a key prepared once from a UTF-8 value, escaping it and truncating it
    /// to the key's limit (counted in UTF-16 units, as for a string): for valid UTF-8 the same bytes as the
    /// string overload writes for the decoded text. Invalid UTF-8 is copied as it is; callers validate.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void WriteExtension(CefPreparedKey key, ReadOnlySpan<byte> utf8Value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureHeader();
        WriteValue<Utf8Text, byte>(PairPrefix(key), utf8Value, key.MaxValueLength);
    }

    /// <summary>Writes one <c>key=number</c> pair for a key prepared once.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void WriteExtension(CefPreparedKey key, long value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureHeader();
        WriteNumber(PairPrefix(key), value);
    }

    /// <summary>Writes a <c>key=value</c> pair whose value never changes (a label), escaped and truncated once.</summary>
    public void WriteExtension(CefPreparedPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        EnsureHeader();
        // The pair is stored with its leading separator; the first pair of a message goes without it.
        var bytes = _state == State.Extension ? pair.Utf8 : pair.Utf8[1..];
        _output.Write(bytes);
        _truncatedFields += pair.TruncatedFields;
        _state = State.Extension;
    }

    /// <summary>Writes one <c>key=value</c> pair, escaping the value and truncating it to the key's limit.</summary>
    /// <exception cref="ArgumentException">The key is not a valid CEF key.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void WriteExtension(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        BeginExtension(key);
        WriteValue<Utf16Text, char>(default, value, CefLimits.MaxValueLength(key));
    }

    public void WriteExtension(ReadOnlySpan<byte> utf8Key, ReadOnlySpan<byte> utf8Value)
    {
        if (!CefLimits.IsValidKey(utf8Key))
        {
            throw InvalidKey(Encoding.UTF8.GetString(utf8Key));
        }

        // Valid keys are ASCII, so the limit lookup can see them as chars without allocating.
        Span<char> key = stackalloc char[Math.Min(utf8Key.Length, 64)];
        var limit = int.MaxValue;
        if (utf8Key.Length <= 64)
        {
            for (var i = 0; i < utf8Key.Length; i++)
            {
                key[i] = (char)utf8Key[i];
            }

            limit = CefLimits.MaxValueLength(key);
        }

        EnsureHeader();
        if (_state == State.Extension)
        {
            _output.Write(" "u8);
        }

        _output.Write(utf8Key);
        _output.Write("="u8);
        WriteValue<Utf8Text, byte>(default, utf8Value, limit);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public void WriteExtension(ReadOnlySpan<char> key, long value)
    {
        BeginExtension(key);
        WriteNumber(default, value);
    }

    /// <summary>Writes a date key as epoch milliseconds, the form every SmartConnector accepts.</summary>
    public void WriteExtension(ReadOnlySpan<char> key, DateTimeOffset value) => WriteExtension(key, value.ToUnixTimeMilliseconds());

    internal static CefPreparedPair PreparePair(CefPreparedKey key, string value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        // In extension state, so the pair is written with its leading separator.
        var writer = new CefWriter(buffer) { _state = State.Extension };
        writer.WriteExtension(key, value);
        return new CefPreparedPair(key.Name, buffer.WrittenSpan.ToArray(), writer._truncatedFields);
    }

    internal static ArgumentException InvalidKey(string key)
        => new($"'{key}' is not a valid CEF extension key (letters, digits, '_', '.', ',', '[', ']').", nameof(key));

    private ReadOnlySpan<byte> PairPrefix(CefPreparedKey key) => _state == State.Extension ? key.SpaceKeyEquals : key.SpaceKeyEquals[1..];

    // Writes " key=" (no space before the first pair).
    private void BeginExtension(ReadOnlySpan<char> key)
    {
        if (!CefLimits.IsValidKey(key))
        {
            throw InvalidKey(key.ToString());
        }

        EnsureHeader();
        if (_state == State.Extension)
        {
            _output.Write(" "u8);
        }

        var span = _output.GetSpan(key.Length + 1);
        for (var i = 0; i < key.Length; i++)
        {
            span[i] = (byte)key[i];
        }

        span[key.Length] = (byte)'=';
        _output.Advance(key.Length + 1);
        _state = State.Extension;
    }

    // Writes the pair's prefix (" key=", or nothing when the key is written already) and the
    // value, cut to the limit and escaped: both into one span unless the value is too long for one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteValue<TText, T>(ReadOnlySpan<byte> prefix, ReadOnlySpan<T> value, int limit)
        where TText : ICefText<T>
        where T : unmanaged, IBinaryInteger<T>
    {
        value = Truncate<TText, T>(value, limit);
        if (value.Length <= MaxSingleSpanValue)
        {
            var span = _output.GetSpan(prefix.Length + (TText.MaxEscapedBytes * value.Length));
            prefix.CopyTo(span);
            _output.Advance(prefix.Length + CefEscaping.Escape<TText, T>(value, span[prefix.Length..], header: false));
        }
        else
        {
            WritePieces<TText, T>(prefix, value);
        }

        _state = State.Extension;
    }

    // Long values piece by piece, each piece into a span of bounded size.
    private void WritePieces<TText, T>(ReadOnlySpan<byte> prefix, ReadOnlySpan<T> value)
        where TText : ICefText<T>
        where T : unmanaged, IBinaryInteger<T>
    {
        do
        {
            var length = TText.PieceLength(value, MaxSingleSpanValue);
            var span = _output.GetSpan(prefix.Length + (TText.MaxEscapedBytes * length));
            prefix.CopyTo(span);
            _output.Advance(prefix.Length + CefEscaping.Escape<TText, T>(value[..length], span[prefix.Length..], header: false));
            prefix = default;
            value = value[length..];
        }
        while (!value.IsEmpty);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteNumber(ReadOnlySpan<byte> prefix, long value)
    {
        var span = _output.GetSpan(prefix.Length + 20);
        prefix.CopyTo(span);
        Utf8Formatter.TryFormat(value, span[prefix.Length..], out var written);
        _output.Advance(prefix.Length + written);
        _state = State.Extension;
    }
}
