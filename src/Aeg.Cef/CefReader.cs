using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Aeg.Cef;

/// <summary>
/// Reads one CEF message (with or without a syslog prefix) from UTF-8 bytes without allocating,
/// in the manner of <c>Utf8JsonReader</c>: it hands out spans over the input and unescapes only
/// on request, into the caller's buffer.
/// </summary>
/// <remarks>
/// Lenient on input, as real senders are sloppy: <c>CEF: 0</c>, keys with <c>. _ , [ ]</c>,
/// unescaped <c>=</c> and <c>\|</c> in values, header-only messages, a missing final pipe.
/// A value ends only at a space followed by a valid key and <c>=</c>; of several spaces before
/// a key, all but the last belong to the value. Trailing spaces, CR and LF of the line are not
/// part of the last value. Never throws on any input.
/// </remarks>
public ref struct CefReader
{
    private readonly ReadOnlySpan<byte> _line;
    // The line without trailing blanks and line breaks; nothing past it is ever read.
    private readonly int _end;

    private CefError _error;
    private int _errorPosition;

    private readonly SyslogFormat _syslogFormat;
    private readonly int _priority;
    private readonly int _timestampStart, _timestampLength, _hostStart, _hostLength;

    private readonly int _version;
    private readonly int _cefStart;
    private HeaderOffsets _header;
    private int _extensionStart;

    // Pairs found ahead by the scanner, as (space, '=') positions: pair i of the batch has the
    // key (space[i], '=' [i]) and the value ('=' [i], space[i + 1]); slot 0 carries the pair
    // whose value was still open at the end of the last batch. A step to the next pair is then
    // an increment, and the scanner fills a batch in one loop that keeps its state in registers.
    private const int MaxBatch = ExtensionScanner.Batch;
    private Boundaries _bounds;
    private int _pair, _pairsReady;
    private uint _escapedBits;
    private ExtensionState _state;
    private ExtensionScanner _scanner;

    /// <summary>Parses the syslog prefix and CEF header; check <see cref="Error"/> afterwards.</summary>
    public CefReader(ReadOnlySpan<byte> line)
    {
        _line = line;
        _priority = -1;
        _end = TrimmedEnd(line);

        var p = 0;
        // A UTF-8 byte order mark and leading blanks carry no meaning.
        if (line.Length >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF)
        {
            p = 3;
        }

        while (p < _end && (line[p] == (byte)' ' || line[p] == (byte)'\t'))
        {
            p++;
        }

        if (p >= _end)
        {
            Fail(CefError.Empty, p);
            return;
        }

        if (!StartsWithCef(line, p, _end))
        {
            if (line[p] == (byte)'<')
            {
                if (!TryReadPriority(line, ref p, _end, out _priority))
                {
                    Fail(CefError.BadSyslogPriority, p);
                    return;
                }

                if (IsRfc5424Version(line, p, _end))
                {
                    _syslogFormat = SyslogFormat.Rfc5424;
                    if (!TryReadRfc5424(line, ref p, _end, out _timestampStart, out _timestampLength, out _hostStart, out _hostLength))
                    {
                        Fail(CefError.BadSyslogHeader, p);
                        return;
                    }
                }
                else
                {
                    _syslogFormat = SyslogFormat.Rfc3164;
                    ReadRfc3164(line, ref p, _end, out _timestampStart, out _timestampLength, out _hostStart, out _hostLength);
                }
            }
            else if (LooksLikeTimestamp(line, p, _end))
            {
                // A BSD header without PRI, as files written by syslog daemons have it.
                _syslogFormat = SyslogFormat.Rfc3164;
                ReadRfc3164(line, ref p, _end, out _timestampStart, out _timestampLength, out _hostStart, out _hostLength);
            }

            // Whatever stands between the header and CEF (a tag, a PID) is not ours to interpret.
            if (!StartsWithCef(line, p, _end))
            {
                var marker = line[p.._end].IndexOf("CEF:"u8);
                if (marker < 0)
                {
                    Fail(CefError.NoCefMarker, p);
                    return;
                }

                p += marker;
            }
        }

        _cefStart = p;
        p += 4;
        while (p < _end && line[p] == (byte)' ')
        {
            p++;
        }

        var versionStart = p;
        var version = 0;
        while (p < _end && IsDigit(line[p]) && p - versionStart < 9)
        {
            version = (version * 10) + (line[p] - '0');
            p++;
        }

        if (p == versionStart || p >= _end || line[p] != (byte)'|')
        {
            Fail(p >= _end ? CefError.TruncatedHeader : CefError.BadVersion, p);
            return;
        }

        _version = version;
        p++;

        if (TryReadPlainHeader(line, p, _end, ref _header, out _extensionStart))
        {
            return;
        }

        var scanner = new ByteScanner(line, p, _end, (byte)'|', (byte)'\\');
        var skip = -1;
        for (var field = 0; field < 6; field++)
        {
            var start = p;
            var pipe = -1;
            for (var hit = scanner.Next(line, _end); hit >= 0; hit = scanner.Next(line, _end))
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
                if (hit + 1 < _end && (line[hit + 1] == (byte)'|' || line[hit + 1] == (byte)'\\'))
                {
                    skip = hit + 1;
                }
            }

            _header[field * 2] = start;
            _header[(field * 2) + 1] = (pipe < 0 ? _end : pipe) - start;
            if (pipe < 0)
            {
                p = _end;
                // Header-only messages often lack the pipe after the severity.
                if (field == 5)
                {
                    break;
                }

                Fail(CefError.TruncatedHeader, _end);
                return;
            }

            p = pipe + 1;
        }

        _extensionStart = Math.Min(p, _end);
    }

    // Most headers hold no backslash: then the six fields simply end at the next six pipes, which
    // a compare per 32 (or 16) bytes finds at once. Anything else (a backslash before the sixth
    // pipe, a header-only line, the last bytes of a short line) is left to the general loop.
    private static bool TryReadPlainHeader(ReadOnlySpan<byte> line, int p, int end, ref HeaderOffsets header, out int extensionStart)
    {
        extensionStart = 0;
        var width = Isa.Vector256 ? 32 : Isa.Vector128 ? 16 : 0;
        if (width == 0)
        {
            return false;
        }

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

    /// <summary>Why the line was rejected, or <see cref="CefError.None"/>.</summary>
    public readonly CefError Error => _error;
    /// <summary>Byte offset in the line where the error was found.</summary>
    public readonly int ErrorPosition => _errorPosition;
    /// <summary>True when the prefix and header parsed (extensions may still fail).</summary>
    public readonly bool IsValid => _error == CefError.None;

    public readonly SyslogFormat SyslogFormat => _syslogFormat;
    /// <summary>The syslog PRI value (0–191), or -1 when the line had none.</summary>
    public readonly int SyslogPriority => _priority;
    public readonly int SyslogFacility => _priority < 0 ? -1 : _priority >> 3;
    public readonly int SyslogSeverity => _priority < 0 ? -1 : _priority & 7;
    /// <summary>The syslog timestamp as sent (empty when none or the RFC 5424 nil value).</summary>
    public readonly ReadOnlySpan<byte> SyslogTimestamp => _line.Slice(_timestampStart, _timestampLength);
    /// <summary>The syslog host name as sent (empty when none or the RFC 5424 nil value).</summary>
    public readonly ReadOnlySpan<byte> SyslogHost => _line.Slice(_hostStart, _hostLength);

    /// <summary>The number after <c>CEF:</c>.</summary>
    public readonly int Version => _version;
    /// <summary>Byte offset of <c>CEF:</c> in the line.</summary>
    public readonly int CefStart => _cefStart;
    /// <summary>Byte offset of the extension (the end of the header).</summary>
    public readonly int ExtensionStart => _extensionStart;

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

    /// <summary>Moves to the next extension pair; false at the end or on error (see <see cref="Error"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadNextExtension()
    {
        // Fast path: the pair was found by the last refill.
        return ++_pair < _pairsReady || ReadNextExtensionSlow();
    }

    private bool ReadNextExtensionSlow()
    {
        int first, firstKey = 0;
        if (_state == ExtensionState.Iterating)
        {
            // The pair after the last one handed out is still open: it starts the next batch.
            var consumed = _pairsReady;
            _bounds[0] = _bounds[consumed * 2];
            _bounds[1] = _bounds[(consumed * 2) + 1];
            first = 0;
        }
        else if (_state == ExtensionState.NotStarted && StartExtension(out firstKey))
        {
            // The first key is pair 1 of the first batch; slot 0 stays unused.
            first = 1;
        }
        else
        {
            return Finish();
        }

        var found = _scanner.Refill(_line, _bounds, out _escapedBits, out var exhausted);
        // The scanner takes the first key as preceded by a space, so the first pair it finds
        // starts there exactly when the extension opens with "key=".
        if (first == 1 && (found == 0 || _bounds[2] != firstKey - 1))
        {
            Fail(CefError.ExtensionWithoutKey, firstKey);
            return Finish();
        }

        // A batch stops at MaxBatch pairs or at the end, so there is always a pair to hand out;
        // the last one found is ready only at the end, as its value runs to the next key.
        _pairsReady = exhausted ? found + 1 : found;
        _state = exhausted ? ExtensionState.Last : ExtensionState.Iterating;
        _pair = first;
        return true;
    }

    private bool Finish()
    {
        _state = ExtensionState.Done;
        _pair = _pairsReady = 0;
        _escapedBits = 0;
        return false;
    }

    // Skips to the first key and starts the scanner there; false for an empty extension.
    private bool StartExtension(out int firstKey)
    {
        firstKey = 0;
        if (_error != CefError.None)
        {
            return false;
        }

        var line = _line;
        var end = _end;
        var p = _extensionStart;
        while (p < end && line[p] == (byte)' ')
        {
            p++;
        }

        if (p >= end)
        {
            return false;
        }

        firstKey = p;
        _scanner = new ExtensionScanner(line, p, end);
        return true;
    }

    /// <summary>The current extension key.</summary>
    public readonly ReadOnlySpan<byte> Key
    {
        get
        {
            ref readonly var at = ref Slot(_pair);
            return _pairsReady > 0 ? Part(at + 1, Unsafe.Add(ref Unsafe.AsRef(in at), 1) - at - 1) : default;
        }
    }

    /// <summary>The current extension value as on the wire (still escaped, trailing blanks of the last value dropped).</summary>
    public readonly ReadOnlySpan<byte> RawValue
    {
        get
        {
            ref readonly var equals = ref Unsafe.Add(ref Unsafe.AsRef(in Slot(_pair)), 1);
            return _pairsReady > 0 ? Part(equals + 1, Unsafe.Add(ref Unsafe.AsRef(in equals), 1) - equals - 1) : default;
        }
    }

    public readonly bool ValueNeedsUnescaping => ((_escapedBits >> _pair) & 1) != 0;

    // _pair is below MaxBatch + 1 and the batch has two more entries after it, so the element
    // check of the inline array is left out of the consumer's loop.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ref readonly int Slot(int pair)
    {
        Debug.Assert((uint)pair <= MaxBatch + 1);
        return ref Unsafe.Add(ref Unsafe.AsRef(in _bounds[0]), (nint)(uint)pair * 2);
    }

    // Key and value offsets come from the scanner, which never looks past _end: they lie inside
    // the line by construction, so the range check of Slice, which the consumer's loop would
    // pay twice per pair, is left out. A debug build still checks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ReadOnlySpan<byte> Part(int start, int length)
    {
        Debug.Assert((uint)start + (ulong)(uint)length <= (uint)_line.Length);
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetReference(_line), (nint)(uint)start), length);
    }

    /// <summary>Unescapes the current value into <paramref name="destination"/>; false if it is too small.</summary>
    /// <remarks>Bytes of <paramref name="destination"/> after <paramref name="bytesWritten"/> may be overwritten.</remarks>
    public readonly bool TryCopyValue(Span<byte> destination, out int bytesWritten)
    {
        var raw = RawValue;
        if (!ValueNeedsUnescaping)
        {
            var copied = raw.TryCopyTo(destination);
            bytesWritten = copied ? raw.Length : 0;
            return copied;
        }

        // The bytes after the value are still the line's, so the unescaping may read past it.
        var valueStart = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(_line), ref MemoryMarshal.GetReference(raw));
        return CefEscaping.TryUnescape(_line, valueStart, raw.Length, destination, header: false, out bytesWritten);
    }

    /// <summary>Compares the current value, unescaped, with <paramref name="utf8Text"/> without copying.</summary>
    public readonly bool ValueEquals(ReadOnlySpan<byte> utf8Text)
        => ValueNeedsUnescaping ? CefEscaping.UnescapedEquals(RawValue, utf8Text, header: false) : RawValue.SequenceEqual(utf8Text);

    /// <summary>The unescaped current value as a string (allocates; not for the hot path).</summary>
    public readonly string GetValueString() => ToUnescapedString(RawValue, header: false);

    private void Fail(CefError error, int position)
    {
        _error = error;
        _errorPosition = position;
    }

    private static string ToUnescapedString(ReadOnlySpan<byte> raw, bool header)
    {
        if (!CefEscaping.NeedsUnescaping(raw))
        {
            return System.Text.Encoding.UTF8.GetString(raw);
        }

        var buffer = new byte[raw.Length];
        CefEscaping.TryUnescape(raw, buffer, header, out var written);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, written);
    }

    private static int TrimmedEnd(ReadOnlySpan<byte> line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] is (byte)' ' or (byte)'\r' or (byte)'\n' or 0)
        {
            end--;
        }

        return end;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

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

    private static bool TryReadRfc5424(ReadOnlySpan<byte> line, ref int p, int end,
        out int timestampStart, out int timestampLength, out int hostStart, out int hostLength)
    {
        timestampStart = timestampLength = hostStart = hostLength = 0;
        if (!TrySplitRfc5424Tokens(line, ref p, end, ref timestampStart, ref timestampLength, ref hostStart, ref hostLength))
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

                Rfc5424Token(line, token, p, space, ref timestampStart, ref timestampLength, ref hostStart, ref hostLength);
                p += space + 1;
            }
        }

        if (p >= end)
        {
            return false;
        }

        if (line[p] == (byte)'-')
        {
            p++;
        }
        else
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
    // False (nothing set) when the six spaces are not all in the 64 bytes from p, or fewer
    // than 64 bytes are left; the token loop then does the same work one search at a time.
    private static bool TrySplitRfc5424Tokens(ReadOnlySpan<byte> line, ref int p, int end,
        ref int timestampStart, ref int timestampLength, ref int hostStart, ref int hostLength)
    {
        if (!Isa.Vector256 || end - p < 64)
        {
            return false;
        }

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
            Rfc5424Token(line, token, start, next - start, ref timestampStart, ref timestampLength, ref hostStart, ref hostLength);
            start = next + 1;
        }

        p = start;
        return true;
    }

    // Keeps TIMESTAMP (token 0) and HOSTNAME (token 1) unless they are the nil value "-".
    private static void Rfc5424Token(ReadOnlySpan<byte> line, int token, int start, int length,
        ref int timestampStart, ref int timestampLength, ref int hostStart, ref int hostLength)
    {
        var nil = length == 1 && line[start] == (byte)'-';
        if (token == 0 && !nil)
        {
            timestampStart = start;
            timestampLength = length;
        }
        else if (token == 1 && !nil)
        {
            hostStart = start;
            hostLength = length;
        }
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

    private static bool IsLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    // Accepts "Mmm dd hh:mm:ss", "Mmm  d hh:mm:ss", "Mmm dd yyyy hh:mm:ss[.fff]" and ISO 8601;
    // then an optional host. Never fails: what it cannot place is searched for "CEF:" later.
    private static void ReadRfc3164(ReadOnlySpan<byte> line, ref int p, int end,
        out int timestampStart, out int timestampLength, out int hostStart, out int hostLength)
    {
        timestampStart = timestampLength = hostStart = hostLength = 0;
        if (StartsWithCef(line, p, end))
        {
            return;
        }

        var start = p;
        if (p + 3 < end && IsLetter(line[p]) && IsLetter(line[p + 1]) && IsLetter(line[p + 2]) && line[p + 3] == (byte)' ')
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
                return;
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
                return;
            }

            p = q;
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

        timestampStart = start;
        timestampLength = p - start;
        if (p < end)
        {
            p++;
        }

        if (p < end && !StartsWithCef(line, p, end))
        {
            var space = line[p..end].IndexOf((byte)' ');
            if (space > 0)
            {
                hostStart = p;
                hostLength = space;
                p += space + 1;
            }
        }
    }

    [InlineArray((MaxBatch + 2) * 2)]
    private struct Boundaries
    {
        private int _element;
    }

    private enum ExtensionState : byte
    {
        NotStarted,
        Iterating,
        // The batch holds the last pair.
        Last,
        Done,
    }

    [InlineArray(12)]
    private struct HeaderOffsets
    {
        private int _element;
    }
}
