using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Aeg.Cef;

// Escaping, for CefWriter: one search-and-copy loop for UTF-16 and UTF-8 text, and its scalar reference.
public static partial class CefEscaping
{
    /// <summary>
    /// Escapes <paramref name="text"/> into <paramref name="destination"/>, which holds at least
    /// <c>TText.MaxEscapedBytes</c> bytes per unit; returns the bytes written. The specials are
    /// found with a vectorised search, and the text between them is copied or encoded in bulk.
    /// </summary>
    // Not inlined: in its own method the search and the transcoding are inlined into the loop,
    // which the writer's callers, already large, would not do (~8% slower per message).
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static int Escape<TText, T>(ReadOnlySpan<T> text, Span<byte> destination, bool header)
        where TText : ICefText<T>
        where T : unmanaged, IBinaryInteger<T>
    {
        var specials = TText.Specials(header);
        var written = 0;
        while (true)
        {
            var special = text.IndexOfAny(specials);
            var plain = special < 0 ? text : text[..special];
            if (!plain.IsEmpty)
            {
                written += TText.Encode(plain, destination[written..]);
            }

            if (special < 0)
            {
                return written;
            }

            written += WriteEscape(int.CreateTruncating(text[special]), destination[written..], header);
            text = text[(special + 1)..];
        }
    }

    /// <summary>The scalar reference of escaping, byte by byte over UTF-8: what <see cref="Escape"/> must give.</summary>
    internal static int EscapeScalar(ReadOnlySpan<byte> utf8, Span<byte> destination, bool header)
    {
        var specials = header ? HeaderSpecials : ExtensionSpecials;
        var written = 0;
        foreach (var b in utf8)
        {
            if (specials.Contains((char)b))
            {
                written += WriteEscape(b, destination[written..], header);
            }
            else
            {
                destination[written++] = b;
            }
        }

        return written;
    }
}

/// <summary>UTF-16 or UTF-8 text as <see cref="CefWriter"/> escapes and cuts it, so that one loop serves both.</summary>
internal interface ICefText<T>
    where T : unmanaged, IBinaryInteger<T>
{
    /// <summary>The most bytes one unit takes once escaped and encoded as UTF-8.</summary>
    static abstract int MaxEscapedBytes { get; }

    static abstract SearchValues<T> Specials(bool header);

    /// <summary>Encodes text without specials as UTF-8; returns the bytes written.</summary>
    static abstract int Encode(ReadOnlySpan<T> plain, Span<byte> destination);

    /// <summary>The length of the longest prefix of at most <paramref name="limit"/> UTF-16 units (as ArcSight counts) that splits no character.</summary>
    static abstract int CutAt(ReadOnlySpan<T> text, int limit);

    /// <summary>The length of a piece of at most <paramref name="max"/> units, for text escaped piece by piece.</summary>
    static abstract int PieceLength(ReadOnlySpan<T> text, int max);
}

/// <summary>Text given as a string or chars.</summary>
internal readonly struct Utf16Text : ICefText<char>
{
    // An escaped ASCII character takes 2 bytes, any UTF-16 unit at most 3 in UTF-8.
    public static int MaxEscapedBytes => 3;

    public static SearchValues<char> Specials(bool header) => header ? CefEscaping.HeaderSpecialChars : CefEscaping.ExtensionSpecialChars;

    // Replaces a lone surrogate with U+FFFD, as Encoding.UTF8 does.
    public static int Encode(ReadOnlySpan<char> plain, Span<byte> destination)
    {
        Utf8.FromUtf16(plain, destination, out _, out var written);
        return written;
    }

    // Called only when the text is longer than the limit.
    public static int CutAt(ReadOnlySpan<char> text, int limit) => char.IsHighSurrogate(text[limit - 1]) ? limit - 1 : limit;

    // A surrogate pair split between two pieces would become two U+FFFD.
    public static int PieceLength(ReadOnlySpan<char> text, int max) => text.Length <= max ? text.Length : CutAt(text, max);
}

/// <summary>Text given as UTF-8 bytes (the database's, for the annotation drain). Invalid UTF-8 is copied as it is.</summary>
internal readonly struct Utf8Text : ICefText<byte>
{
    // An escaped byte takes 2.
    public static int MaxEscapedBytes => 2;

    public static SearchValues<byte> Specials(bool header) => header ? CefEscaping.HeaderSpecialBytes : CefEscaping.ExtensionSpecialBytes;

    public static int Encode(ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        plain.CopyTo(destination);
        return plain.Length;
    }

    public static int CutAt(ReadOnlySpan<byte> text, int limit)
    {
        var units = 0;
        var i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf8(text[i..], out var rune, out var consumed);
            var length = rune.Utf16SequenceLength;
            if (units + length > limit)
            {
                break;
            }

            units += length;
            i += consumed;
        }

        return i;
    }

    // Bytes are copied as they are, so a piece may end anywhere.
    public static int PieceLength(ReadOnlySpan<byte> text, int max) => Math.Min(text.Length, max);
}
