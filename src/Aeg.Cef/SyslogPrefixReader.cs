namespace Aeg.Cef;

/// <summary>Where the syslog header in front of a CEF message put its parts, as offsets into the line.</summary>
internal struct SyslogPrefix
{
    public SyslogFormat Format;
    // The PRI value, or -1 when the line has none.
    public int Priority;
    // Left empty when absent or the RFC 5424 nil value "-".
    public int TimestampStart, TimestampLength, HostStart, HostLength;
}

/// <summary>
/// Reads the syslog header in front of a CEF message, if any: RFC 5424, RFC 3164 (with or
/// without PRI, as files written by syslog daemons have it), or none, up to the <c>CEF:</c> marker.
/// </summary>
internal static class SyslogPrefixReader
{
    /// <summary>
    /// Reads from <paramref name="p"/>, the first byte that is not blank, and leaves it at the
    /// <c>CEF:</c> marker, or where the error was found. <paramref name="prefix"/> keeps what was
    /// read before an error.
    /// </summary>
    // Inlined into CefReader's constructor, as it was before the split: a call per line cost
    // ~30 instructions of a ~7,000-instruction parse (callgrind, RESULTS.md).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CefError Read(ReadOnlySpan<byte> line, ref int p, int end, ref SyslogPrefix prefix)
    {
        if (StartsWithCef(line, p, end))
        {
            return CefError.None;
        }

        if (line[p] == (byte)'<')
        {
            if (!TryReadPriority(line, ref p, end, out prefix.Priority))
            {
                return CefError.BadSyslogPriority;
            }

            if (IsRfc5424Version(line, p, end))
            {
                prefix.Format = SyslogFormat.Rfc5424;
                if (!TryReadRfc5424(line, ref p, end, ref prefix))
                {
                    return CefError.BadSyslogHeader;
                }
            }
            else
            {
                prefix.Format = SyslogFormat.Rfc3164;
                ReadRfc3164(line, ref p, end, ref prefix);
            }
        }
        else if (LooksLikeTimestamp(line, p, end))
        {
            // A BSD header without PRI.
            prefix.Format = SyslogFormat.Rfc3164;
            ReadRfc3164(line, ref p, end, ref prefix);
        }

        // Whatever stands between the header and CEF (a tag, a PID) is not ours to interpret.
        if (!StartsWithCef(line, p, end))
        {
            var marker = line[p..end].IndexOf("CEF:"u8);
            if (marker < 0)
            {
                return CefError.NoCefMarker;
            }

            p += marker;
        }

        return CefError.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool IsLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    private static bool StartsWithCef(ReadOnlySpan<byte> line, int p, int end)
        => end - p >= 4 && line.Slice(p, 4).SequenceEqual("CEF:"u8);

    private static bool TryReadPriority(ReadOnlySpan<byte> line, ref int p, int end, out int priority)
    {
        priority = -1;
        var q = p + 1;
        var value = 0;
        while (q < end && IsDigit(line[q]) && q - p <= 3)
        {
            value = (value * 10) + (line[q] - '0');
            q++;
        }

        if (q == p + 1 || q >= end || line[q] != (byte)'>' || value > 191)
        {
            return false;
        }

        priority = value;
        p = q + 1;
        return true;
    }

    // RFC 5424 puts a one- or two-digit VERSION and a space right after PRI; an RFC 3164-style
    // ISO timestamp starts with four digits, so the two cannot be confused.
    private static bool IsRfc5424Version(ReadOnlySpan<byte> line, int p, int end)
    {
        if (p < end && line[p] is >= (byte)'1' and <= (byte)'9')
        {
            if (p + 1 < end && line[p + 1] == (byte)' ')
            {
                return true;
            }

            return p + 2 < end && IsDigit(line[p + 1]) && line[p + 2] == (byte)' ';
        }

        return false;
    }

    // VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, then STRUCTURED-DATA and an optional BOM.
    private static bool TryReadRfc5424(ReadOnlySpan<byte> line, ref int p, int end, ref SyslogPrefix prefix)
    {
        var split = Isa.Vector256 && end - p >= 64
            ? TrySplitRfc5424TokensVector256(line, ref p, ref prefix) || TrySplitRfc5424Tokens(line, ref p, end, ref prefix)
            : TrySplitRfc5424Tokens(line, ref p, end, ref prefix);
        if (!split || p >= end)
        {
            return false;
        }

        if (line[p] == (byte)'-')
        {
            p++;
        }
        else if (!TrySkipStructuredData(line, ref p, end))
        {
            return false;
        }

        if (p < end && line[p] == (byte)' ')
        {
            p++;
        }

        if (end - p >= 3 && line[p] == 0xEF && line[p + 1] == 0xBB && line[p + 2] == 0xBF)
        {
            p += 3;
        }

        return true;
    }

    // VERSION and the five tokens after it usually fit in 64 bytes: one compare per 32 bytes
    // finds every space at once, where six searches (one per token) cost ~70 ns a line here.
    // False (nothing set) when the six spaces are not all in the 64 bytes from p, which the
    // caller guarantees are in the line; the scalar twin then does the same work one search at a time.
    private static bool TrySplitRfc5424TokensVector256(ReadOnlySpan<byte> line, ref int p, ref SyslogPrefix prefix)
    {
        ref var at = ref MemoryMarshal.GetReference(line);
        var space = Vector256.Create((byte)' ');
        var low = Vector256.Equals(Vector256.LoadUnsafe(ref at, (nuint)p), space).ExtractMostSignificantBits();
        var high = Vector256.Equals(Vector256.LoadUnsafe(ref at, (nuint)(p + 32)), space).ExtractMostSignificantBits();
        var spaces = ((ulong)high << 32) | low;
        if (BitOperations.PopCount(spaces) < 6)
        {
            return false;
        }

        // The first space ends VERSION; each of the next five ends a token.
        var start = p + BitOperations.TrailingZeroCount(spaces) + 1;
        spaces &= spaces - 1;
        for (var token = 0; token < 5; token++)
        {
            var next = p + BitOperations.TrailingZeroCount(spaces);
            spaces &= spaces - 1;
            Rfc5424Token(line, token, start, next - start, ref prefix);
            start = next + 1;
        }

        p = start;
        return true;
    }

    // The scalar twin: one search per token. False, with p at the end, when a token is missing.
    private static bool TrySplitRfc5424Tokens(ReadOnlySpan<byte> line, ref int p, int end, ref SyslogPrefix prefix)
    {
        p = line[p..end].IndexOf((byte)' ') + p + 1;

        // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each a token ended by one space.
        for (var token = 0; token < 5; token++)
        {
            var space = p < end ? line[p..end].IndexOf((byte)' ') : -1;
            if (space < 0)
            {
                p = end;
                return false;
            }

            Rfc5424Token(line, token, p, space, ref prefix);
            p += space + 1;
        }

        return true;
    }

    // Keeps TIMESTAMP (token 0) and HOSTNAME (token 1) unless they are the nil value "-".
    private static void Rfc5424Token(ReadOnlySpan<byte> line, int token, int start, int length, ref SyslogPrefix prefix)
    {
        var nil = length == 1 && line[start] == (byte)'-';
        if (token == 0 && !nil)
        {
            prefix.TimestampStart = start;
            prefix.TimestampLength = length;
        }
        else if (token == 1 && !nil)
        {
            prefix.HostStart = start;
            prefix.HostLength = length;
        }
    }

    // One or more SD-ELEMENTs; false, with p at the end, when one is unterminated.
    private static bool TrySkipStructuredData(ReadOnlySpan<byte> line, ref int p, int end)
    {
        while (p < end && line[p] == (byte)'[')
        {
            // SD-PARAM values are quoted and may escape '"', '\' and ']'.
            var quoted = false;
            p++;
            while (p < end)
            {
                var b = line[p];
                if (b == (byte)'\\')
                {
                    p += 2;
                    continue;
                }

                if (b == (byte)'"')
                {
                    quoted = !quoted;
                }
                else if (b == (byte)']' && !quoted)
                {
                    break;
                }

                p++;
            }

            if (p >= end)
            {
                p = end;
                return false;
            }

            p++;
        }

        return true;
    }

    private static bool LooksLikeTimestamp(ReadOnlySpan<byte> line, int p, int end)
    {
        if (end - p < 8)
        {
            return false;
        }

        // "Mmm " (BSD) or "yyyy-" (ISO 8601).
        return (IsLetter(line[p]) && IsLetter(line[p + 1]) && IsLetter(line[p + 2]) && line[p + 3] == (byte)' ')
            || (IsDigit(line[p]) && IsDigit(line[p + 1]) && IsDigit(line[p + 2]) && IsDigit(line[p + 3]) && line[p + 4] == (byte)'-');
    }

    // Accepts "Mmm dd hh:mm:ss", "Mmm  d hh:mm:ss", "Mmm dd yyyy hh:mm:ss[.fff]" and ISO 8601;
    // then an optional host. Never fails: what it cannot place is searched for "CEF:" later.
    private static void ReadRfc3164(ReadOnlySpan<byte> line, ref int p, int end, ref SyslogPrefix prefix)
    {
        if (StartsWithCef(line, p, end))
        {
            return;
        }

        var start = p;
        if (p + 3 < end && IsLetter(line[p]) && IsLetter(line[p + 1]) && IsLetter(line[p + 2]) && line[p + 3] == (byte)' ')
        {
            if (!TrySkipBsdTimestamp(line, ref p, end))
            {
                return;
            }
        }
        else if (p < end && IsDigit(line[p]))
        {
            var space = line[p..end].IndexOf((byte)' ');
            p = space < 0 ? end : p + space;
        }
        else
        {
            return;
        }

        prefix.TimestampStart = start;
        prefix.TimestampLength = p - start;
        if (p < end)
        {
            p++;
        }

        if (p < end && !StartsWithCef(line, p, end))
        {
            var space = line[p..end].IndexOf((byte)' ');
            if (space > 0)
            {
                prefix.HostStart = p;
                prefix.HostLength = space;
                p += space + 1;
            }
        }
    }

    // From "Mmm " to the end of the time; false, with p unchanged, when the rest is not a BSD timestamp.
    private static bool TrySkipBsdTimestamp(ReadOnlySpan<byte> line, ref int p, int end)
    {
        var q = p + 4;
        if (q < end && line[q] == (byte)' ')
        {
            q++;
        }

        var day = q;
        while (q < end && IsDigit(line[q]))
        {
            q++;
        }

        if (q == day || q >= end || line[q] != (byte)' ')
        {
            return false;
        }

        q++;
        var token = q;
        while (q < end && IsDigit(line[q]))
        {
            q++;
        }

        if (q - token == 4 && q < end && line[q] == (byte)' ')
        {
            q++;
            token = q;
        }

        while (q < end && (IsDigit(line[q]) || line[q] == (byte)':' || line[q] == (byte)'.'))
        {
            q++;
        }

        if (q == token || (q < end && line[q] != (byte)' '))
        {
            return false;
        }

        p = q;
        return true;
    }
}
