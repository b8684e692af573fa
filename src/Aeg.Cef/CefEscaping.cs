using System.Buffers;
using System.Text;

namespace Aeg.Cef;

/// <summary>Unescaping and in-place comparison of raw CEF header fields and extension values.</summary>
/// <remarks>
/// This file holds the escaping rules, both directions, and the public entry points; the unescapers
/// are in CefEscaping.Unescape.cs and the escapers (for <see cref="CefWriter"/>) in CefEscaping.Escape.cs,
/// each vector or search path beside the scalar reference it must agree with.
/// </remarks>
public static partial class CefEscaping
{
    // The rules. Extension values escape \ = CR LF as \\ \= \r \n. Header fields escape \ and |
    // as \\ \|, and cannot carry a line break (a SmartConnector would split the event), so one is
    // written as a space. Reading is lenient: \| is also read in values, as real senders use it,
    // and a backslash before anything else stays as it is, since dropping it would lose data.
    internal const string ExtensionSpecials = "\\=\r\n";
    internal const string HeaderSpecials = "\\|\r\n";

    internal static readonly SearchValues<char> ExtensionSpecialChars = SearchValues.Create(ExtensionSpecials);
    internal static readonly SearchValues<char> HeaderSpecialChars = SearchValues.Create(HeaderSpecials);
    internal static readonly SearchValues<byte> ExtensionSpecialBytes = SearchValues.Create(Encoding.ASCII.GetBytes(ExtensionSpecials));
    internal static readonly SearchValues<byte> HeaderSpecialBytes = SearchValues.Create(Encoding.ASCII.GetBytes(HeaderSpecials));

    internal static readonly SearchValues<byte> KeyBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,[]"u8);

    // Writes the escape of a special (one of the specials above); returns its length.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int WriteEscape(int special, Span<byte> destination, bool header)
    {
        if (header && special is '\r' or '\n')
        {
            destination[0] = (byte)' ';
            return 1;
        }

        destination[0] = (byte)'\\';
        destination[1] = special switch
        {
            '\r' => (byte)'r',
            '\n' => (byte)'n',
            _ => (byte)special,
        };
        return 2;
    }

    // The byte an escape stands for, given the byte after its backslash; 0 when it is no escape
    // and the backslash stays literal.
    private static byte Unescaped(byte escaped, bool header) => escaped switch
    {
        (byte)'\\' => (byte)'\\',
        (byte)'|' => (byte)'|',
        (byte)'=' when !header => (byte)'=',
        (byte)'n' when !header => (byte)'\n',
        (byte)'r' when !header => (byte)'\r',
        _ => 0,
    };

    // The scalar reading of the rules: the unescaped byte at raw[r], with r moved past it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte NextUnescaped(ReadOnlySpan<byte> raw, ref int r, bool header)
    {
        var b = raw[r];
        if (b == (byte)'\\' && r + 1 < raw.Length && Unescaped(raw[r + 1], header) is var u && u != 0)
        {
            r += 2;
            return u;
        }

        r++;
        return b;
    }

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
            var escape = i;
            NextUnescaped(raw, ref i, header);
            length -= i - escape - 1;
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
            var b = NextUnescaped(raw, ref r, header);
            if (t >= text.Length || text[t] != b)
            {
                return false;
            }

            t++;
        }

        return t == text.Length;
    }
}
