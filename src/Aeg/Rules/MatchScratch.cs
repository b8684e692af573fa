using System.Text;
using Aeg.Cef;

namespace Aeg.Rules;

/// <summary>
/// Per-thread working memory of <see cref="RuleMatcher"/>: where each wanted value lies in the
/// current frame, and buffers to unescape and decode values into. Reused for every message, so
/// matching allocates nothing once the buffers have grown to the largest frame seen.
/// </summary>
internal sealed class MatchScratch
{
    [ThreadStatic]
    private static MatchScratch? t_current;

    // Value locations per extension-key slot and per label slot (start -1: absent).
    public int[] KeyStart = [], KeyLength = [];
    public int[] LabelStart = [], LabelLength = [];
    // Where the key named by a matching "<key>Label=<name>" lies (without "Label").
    public int[] LabelKeyStart = [], LabelKeyLength = [];
    // Every extension pair of the frame, kept only when a rule uses labels.
    public int[] PairKeyStart = new int[64], PairKeyLength = new int[64], PairValueStart = new int[64], PairValueLength = new int[64];
    public int PairCount;

    private byte[] _bytes = new byte[4096];
    private char[] _chars = new char[4096];

    public static MatchScratch For(int keySlots, int labelSlots)
    {
        var s = t_current ??= new MatchScratch();
        s.Reset(keySlots, labelSlots);
        return s;
    }

    private void Reset(int keySlots, int labelSlots)
    {
        if (KeyStart.Length < keySlots)
        {
            KeyStart = new int[keySlots];
            KeyLength = new int[keySlots];
        }
        if (LabelStart.Length < labelSlots)
        {
            LabelStart = new int[labelSlots];
            LabelLength = new int[labelSlots];
            LabelKeyStart = new int[labelSlots];
            LabelKeyLength = new int[labelSlots];
        }
        KeyStart.AsSpan(0, keySlots).Fill(-1);
        LabelStart.AsSpan(0, labelSlots).Fill(-1);
        LabelKeyStart.AsSpan(0, labelSlots).Fill(-1);
        PairCount = 0;
    }

    public void AddPair(int keyStart, int keyLength, int valueStart, int valueLength)
    {
        if (PairCount == PairKeyStart.Length)
        {
            // Grows once to the largest number of pairs seen on this thread, then stays.
            var size = PairCount * 2;
            Array.Resize(ref PairKeyStart, size);
            Array.Resize(ref PairKeyLength, size);
            Array.Resize(ref PairValueStart, size);
            Array.Resize(ref PairValueLength, size);
        }
        PairKeyStart[PairCount] = keyStart;
        PairKeyLength[PairCount] = keyLength;
        PairValueStart[PairCount] = valueStart;
        PairValueLength[PairCount] = valueLength;
        PairCount++;
    }

    /// <summary>The value unescaped: <paramref name="raw"/> itself when it has no backslash, else a copy in the scratch buffer.</summary>
    public ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> raw, bool header)
    {
        if (!CefEscaping.NeedsUnescaping(raw))
        {
            return raw;
        }
        if (_bytes.Length < raw.Length)
        {
            _bytes = new byte[Math.Max(raw.Length, _bytes.Length * 2)];
        }
        var ok = header
            ? CefEscaping.TryUnescapeHeader(raw, _bytes, out var written)
            : CefEscaping.TryUnescapeExtensionValue(raw, _bytes, out written);
        return ok ? _bytes.AsSpan(0, written) : raw;
    }

    /// <summary>The value unescaped and decoded from UTF-8 (invalid bytes become U+FFFD) into the scratch char buffer.</summary>
    public ReadOnlySpan<char> Chars(ReadOnlySpan<byte> raw, bool header)
    {
        var bytes = Unescape(raw, header);
        if (_chars.Length < bytes.Length)
        {
            _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        }
        var count = Encoding.UTF8.GetChars(bytes, _chars);
        return _chars.AsSpan(0, count);
    }
}
