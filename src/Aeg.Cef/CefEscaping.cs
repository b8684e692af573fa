using System.Buffers;

namespace Aeg.Cef;

/// <summary>Unescaping and in-place comparison of raw CEF header fields and extension values.</summary>
public static class CefEscaping
{
    /// <summary>True when <paramref name="raw"/> holds a backslash and so may need unescaping.</summary>
    public static bool NeedsUnescaping(ReadOnlySpan<byte> raw) => raw.IndexOf((byte)'\\') >= 0;

    /// <summary>
    /// Unescapes an extension value: <c>\\ \= \n \r</c> per the spec, plus <c>\|</c> which real
    /// senders use; any other backslash is kept as it is, since dropping it would lose data.
    /// </summary>
    public static bool TryUnescapeExtensionValue(ReadOnlySpan<byte> raw, Span<byte> destination, out int bytesWritten)
        => TryUnescape(raw, destination, header: false, out bytesWritten);

    /// <summary>Unescapes a header field: <c>\\</c> and <c>\|</c>; any other backslash is kept.</summary>
    public static bool TryUnescapeHeader(ReadOnlySpan<byte> raw, Span<byte> destination, out int bytesWritten)
        => TryUnescape(raw, destination, header: true, out bytesWritten);

    /// <summary>The length of the value once unescaped, without writing it anywhere.</summary>
    public static int UnescapedLength(ReadOnlySpan<byte> raw, bool header)
    {
        var length = raw.Length;
        var i = 0;
        while (true)
        {
            var slash = raw[i..].IndexOf((byte)'\\');
            if (slash < 0)
            {
                return length;
            }

            i += slash;
            if (i + 1 < raw.Length && Unescaped(raw[i + 1], header) != 0)
            {
                length--;
                i += 2;
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>Compares the unescaped form of <paramref name="raw"/> with <paramref name="text"/> without copying.</summary>
    public static bool UnescapedEquals(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> text, bool header)
    {
        var slash = raw.IndexOf((byte)'\\');
        if (slash < 0)
        {
            return raw.SequenceEqual(text);
        }

        if (text.Length < slash || !raw[..slash].SequenceEqual(text[..slash]))
        {
            return false;
        }

        int r = slash, t = slash;
        while (r < raw.Length)
        {
            byte b = raw[r];
            if (b == (byte)'\\' && r + 1 < raw.Length && Unescaped(raw[r + 1], header) is var u && u != 0)
            {
                b = u;
                r += 2;
            }
            else
            {
                r++;
            }

            if (t >= text.Length || text[t] != b)
            {
                return false;
            }

            t++;
        }

        return t == text.Length;
    }

    internal static bool TryUnescape(ReadOnlySpan<byte> raw, Span<byte> destination, bool header, out int bytesWritten)
    {
        // Typical escaped values are short: one byte loop beats a search per backslash.
        var ok = raw.Length <= 64
            ? TryUnescapeShort(raw, destination, header, out bytesWritten)
            : TryUnescapeLong(raw, destination, header, out bytesWritten);
        if (!ok)
        {
            bytesWritten = 0;
        }

        return ok;
    }

    private static bool TryUnescapeLong(ReadOnlySpan<byte> raw, Span<byte> destination, bool header, out int bytesWritten)
    {
        bytesWritten = 0;
        while (true)
        {
            var slash = raw.IndexOf((byte)'\\');
            var plain = slash < 0 ? raw : raw[..slash];
            if (!plain.TryCopyTo(destination[bytesWritten..]))
            {
                return false;
            }

            bytesWritten += plain.Length;
            if (slash < 0)
            {
                return true;
            }

            byte b = (byte)'\\';
            var consumed = 1;
            if (slash + 1 < raw.Length && Unescaped(raw[slash + 1], header) is var u && u != 0)
            {
                b = u;
                consumed = 2;
            }

            if (bytesWritten >= destination.Length)
            {
                return false;
            }

            destination[bytesWritten++] = b;
            raw = raw[(slash + consumed)..];
        }
    }

    private static bool TryUnescapeShort(ReadOnlySpan<byte> raw, Span<byte> destination, bool header, out int bytesWritten)
    {
        if (raw.Length <= destination.Length)
        {
            // Unescaping never lengthens: copy in bulk, then compact from the first backslash.
            raw.CopyTo(destination);
            var first = raw.IndexOf((byte)'\\');
            if (first < 0)
            {
                bytesWritten = raw.Length;
                return true;
            }

            var w = first;
            for (var r = first; r < raw.Length; r++)
            {
                var b = raw[r];
                if (b == (byte)'\\' && r + 1 < raw.Length && Unescaped(raw[r + 1], header) is var u && u != 0)
                {
                    b = u;
                    r++;
                }

                destination[w++] = b;
            }

            bytesWritten = w;
            return true;
        }

        var written = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'\\' && i + 1 < raw.Length && Unescaped(raw[i + 1], header) is var u && u != 0)
            {
                b = u;
                i++;
            }

            if ((uint)written >= (uint)destination.Length)
            {
                bytesWritten = written;
                return false;
            }

            destination[written++] = b;
        }

        bytesWritten = written;
        return true;
    }

    // 0 means "not an escape": the backslash stays literal.
    private static byte Unescaped(byte escaped, bool header) => escaped switch
    {
        (byte)'\\' => (byte)'\\',
        (byte)'|' => (byte)'|',
        (byte)'=' when !header => (byte)'=',
        (byte)'n' when !header => (byte)'\n',
        (byte)'r' when !header => (byte)'\r',
        _ => 0,
    };

    internal static readonly SearchValues<byte> KeyBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,[]"u8);
}
