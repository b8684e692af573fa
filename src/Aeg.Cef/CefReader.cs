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
/// This file holds the state and the syslog prefix; the header is read in CefReader.Header.cs,
/// the extension pairs in CefReader.Extensions.cs.
/// </remarks>
public ref partial struct CefReader
{
    private readonly ReadOnlySpan<byte> _line;
    // The line without trailing blanks and line breaks; nothing past it is ever read.
    private readonly int _end;

    private CefError _error;
    private int _errorPosition;

    private readonly SyslogPrefix _syslog;

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
    // Kept out of the caller: small enough since the split to be inlined, it would take the
    // prefix and header reading with it and use up the caller's inlining budget, so that the
    // extension loop the caller runs next keeps the scanner's refill and the slot look-ups as
    // calls (5-9% slower per line in a same-run A/B; before the split the constructor was too
    // large to be inlined).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public CefReader(ReadOnlySpan<byte> line)
    {
        _line = line;
        _syslog.Priority = -1;
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

        var error = p >= _end ? CefError.Empty : SyslogPrefixReader.Read(line, ref p, _end, ref _syslog);
        if (error == CefError.None)
        {
            _cefStart = p;
            error = ReadHeader(line, ref p, _end, out _version, ref _header, out _extensionStart);
        }

        if (error != CefError.None)
        {
            Fail(error, p);
        }
    }

    /// <summary>Why the line was rejected, or <see cref="CefError.None"/>.</summary>
    public readonly CefError Error => _error;
    /// <summary>Byte offset in the line where the error was found.</summary>
    public readonly int ErrorPosition => _errorPosition;
    /// <summary>True when the prefix and header parsed (extensions may still fail).</summary>
    public readonly bool IsValid => _error == CefError.None;

    public readonly SyslogFormat SyslogFormat => _syslog.Format;
    /// <summary>The syslog PRI value (0–191), or -1 when the line had none.</summary>
    public readonly int SyslogPriority => _syslog.Priority;
    public readonly int SyslogFacility => _syslog.Priority < 0 ? -1 : _syslog.Priority >> 3;
    public readonly int SyslogSeverity => _syslog.Priority < 0 ? -1 : _syslog.Priority & 7;
    /// <summary>The syslog timestamp as sent (empty when none or the RFC 5424 nil value).</summary>
    public readonly ReadOnlySpan<byte> SyslogTimestamp => _line.Slice(_syslog.TimestampStart, _syslog.TimestampLength);
    /// <summary>The syslog host name as sent (empty when none or the RFC 5424 nil value).</summary>
    public readonly ReadOnlySpan<byte> SyslogHost => _line.Slice(_syslog.HostStart, _syslog.HostLength);

    /// <summary>The number after <c>CEF:</c>.</summary>
    public readonly int Version => _version;
    /// <summary>Byte offset of <c>CEF:</c> in the line.</summary>
    public readonly int CefStart => _cefStart;
    /// <summary>Byte offset of the extension (the end of the header).</summary>
    public readonly int ExtensionStart => _extensionStart;

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
}
