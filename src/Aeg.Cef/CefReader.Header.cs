namespace Aeg.Cef;

// The CEF header: the version after "CEF:" and the six pipe-separated fields.
public ref partial struct CefReader
{
    /// <summary>A header field as it appears on the wire (still escaped).</summary>
    public readonly ReadOnlySpan<byte> GetHeaderRaw(CefHeaderField field)
    {
        var i = (int)field * 2;
        return _error == CefError.None && (uint)field < 6 ? _line.Slice(_header[i], _header[i + 1]) : default;
    }

    public readonly bool HeaderNeedsUnescaping(CefHeaderField field) => CefEscaping.NeedsUnescaping(GetHeaderRaw(field));

    /// <summary>Unescapes a header field into <paramref name="destination"/>; false if it is too small.</summary>
    public readonly bool TryCopyHeader(CefHeaderField field, Span<byte> destination, out int bytesWritten)
        => CefEscaping.TryUnescapeHeader(GetHeaderRaw(field), destination, out bytesWritten);

    /// <summary>Compares a header field, unescaped, with <paramref name="utf8Text"/> without copying.</summary>
    public readonly bool HeaderEquals(CefHeaderField field, ReadOnlySpan<byte> utf8Text)
        => CefEscaping.UnescapedEquals(GetHeaderRaw(field), utf8Text, header: true);

    /// <summary>The unescaped header field as a string (allocates; not for the hot path).</summary>
    public readonly string GetHeaderString(CefHeaderField field) => ToUnescapedString(GetHeaderRaw(field), header: true);

    // From the "CEF:" marker at p: the version and the six fields. On an error, p is where it was found.
    // Inlined into the constructor for the same reason as SyslogPrefixReader.Read.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static CefError ReadHeader(ReadOnlySpan<byte> line, ref int p, int end, out int version, ref HeaderOffsets header, out int extensionStart)
    {
        version = 0;
        extensionStart = 0;
        p += 4;
        while (p < end && line[p] == (byte)' ')
        {
            p++;
        }

        var versionStart = p;
        var value = 0;
        while (p < end && (uint)(line[p] - '0') <= 9 && p - versionStart < 9)
        {
            value = (value * 10) + (line[p] - '0');
            p++;
        }

        if (p == versionStart || p >= end || line[p] != (byte)'|')
        {
            return p >= end ? CefError.TruncatedHeader : CefError.BadVersion;
        }

        version = value;
        p++;
        if ((Isa.Vector256 || Isa.Vector128) && TryReadPlainHeader(line, p, end, ref header, out extensionStart))
        {
            return CefError.None;
        }

        return ReadHeaderFields(line, ref p, end, ref header, out extensionStart);
    }

    // Most headers hold no backslash: then the six fields simply end at the next six pipes, which
    // a compare per 32 (or 16) bytes finds at once. Anything else (a backslash before the sixth
    // pipe, a header-only line, the last bytes of a short line) is left to ReadHeaderFields.
    private static bool TryReadPlainHeader(ReadOnlySpan<byte> line, int p, int end, ref HeaderOffsets header, out int extensionStart)
    {
        extensionStart = 0;
        var width = Isa.Vector256 ? 32 : 16;
        ref var at = ref MemoryMarshal.GetReference(line);
        var field = 0;
        var start = p;
        for (var block = p; block <= end - width; block += width)
        {
            uint pipes, backslashes;
            if (width == 32)
            {
                var v = Vector256.LoadUnsafe(ref at, (nuint)block);
                pipes = Vector256.Equals(v, Vector256.Create((byte)'|')).ExtractMostSignificantBits();
                backslashes = Vector256.Equals(v, Vector256.Create((byte)'\\')).ExtractMostSignificantBits();
            }
            else
            {
                var v = Vector128.LoadUnsafe(ref at, (nuint)block);
                pipes = Vector128.Equals(v, Vector128.Create((byte)'|')).ExtractMostSignificantBits();
                backslashes = Vector128.Equals(v, Vector128.Create((byte)'\\')).ExtractMostSignificantBits();
            }

            for (; pipes != 0; pipes &= pipes - 1)
            {
                var offset = BitOperations.TrailingZeroCount(pipes);
                if ((backslashes & ((1u << offset) - 1)) != 0)
                {
                    return false;
                }

                var pipe = block + offset;
                header[field * 2] = start;
                header[(field * 2) + 1] = pipe - start;
                start = pipe + 1;
                if (++field == 6)
                {
                    extensionStart = start;
                    return true;
                }
            }

            if (backslashes != 0)
            {
                return false;
            }
        }

        return false;
    }

    // The general reading, and the twin of TryReadPlainHeader: a backslash escapes the next pipe
    // or backslash, and the pipe after the severity may be missing.
    private static CefError ReadHeaderFields(ReadOnlySpan<byte> line, ref int p, int end, ref HeaderOffsets header, out int extensionStart)
    {
        extensionStart = 0;
        var scanner = new ByteScanner(line, p, end, (byte)'|', (byte)'\\');
        var skip = -1;
        for (var field = 0; field < 6; field++)
        {
            var start = p;
            var pipe = -1;
            for (var hit = scanner.Next(line, end); hit >= 0; hit = scanner.Next(line, end))
            {
                if (hit == skip)
                {
                    continue;
                }

                if (line[hit] == (byte)'|')
                {
                    pipe = hit;
                    break;
                }

                // A backslash escapes the next pipe or backslash; otherwise it is literal.
                if (hit + 1 < end && (line[hit + 1] == (byte)'|' || line[hit + 1] == (byte)'\\'))
                {
                    skip = hit + 1;
                }
            }

            header[field * 2] = start;
            header[(field * 2) + 1] = (pipe < 0 ? end : pipe) - start;
            if (pipe < 0)
            {
                p = end;
                // Header-only messages often lack the pipe after the severity.
                if (field == 5)
                {
                    break;
                }

                return CefError.TruncatedHeader;
            }

            p = pipe + 1;
        }

        extensionStart = Math.Min(p, end);
        return CefError.None;
    }

    [InlineArray(12)]
    private struct HeaderOffsets
    {
        private int _element;
    }
}
