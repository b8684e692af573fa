using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;

namespace Aeg.Cef;

/// <summary>
/// Writes CEF messages (optionally behind an RFC 3164 or RFC 5424 syslog header) into an
/// <see cref="IBufferWriter{T}"/>, escaping and truncating to the CEF field limits. Reusable:
/// one instance per thread, <see cref="Reset"/> between messages, no allocation per message.
/// </summary>
/// <remarks>
/// Strict on output: invalid keys and severities are refused; header fields may not carry line
/// breaks (a SmartConnector would split the event), so they become spaces. Values are cut to the
/// CEF limit in UTF-16 code units (how ArcSight counts), never inside a character, and
/// <see cref="TruncatedFields"/> says how many were cut so the caller can report it.
/// No line terminator is written: framing belongs to the transport.
/// </remarks>
public sealed class CefWriter
{
    private static readonly SearchValues<char> ExtensionSpecialChars = SearchValues.Create("\\=\r\n");
    private static readonly SearchValues<char> HeaderSpecialChars = SearchValues.Create("\\|\r\n");
    private static readonly SearchValues<byte> ExtensionSpecialBytes = SearchValues.Create("\\=\r\n"u8);

    // Longer values are written piece by piece rather than into one span sized for the worst case.
    private const int MaxSingleSpanValue = 64 * 1024;

    private IBufferWriter<byte> _output;
    private ArrayBufferWriter<byte>? _array;
    private State _state;
    private int _truncatedFields;

    public CefWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _array = output as ArrayBufferWriter<byte>;
    }

    private enum State : byte
    {
        Empty,
        Prefix,
        Header,
        Extension,
    }

    /// <summary>Starts a new message, optionally into another buffer.</summary>
    public void Reset(IBufferWriter<byte>? output = null)
    {
        if (output is not null)
        {
            _output = output;
            _array = output as ArrayBufferWriter<byte>;
        }

        _state = State.Empty;
        _truncatedFields = 0;
    }

    /// <summary>How many fields of the current message were cut to their CEF limit.</summary>
    public int TruncatedFields => _truncatedFields;

    /// <summary>Writes <c>&lt;PRI&gt;Mmm dd HH:mm:ss host tag: </c> (tag and its colon omitted when empty).</summary>
    public void WriteSyslogRfc3164(int priority, DateTimeOffset timestamp, ReadOnlySpan<char> host, ReadOnlySpan<char> tag = default)
    {
        BeginPrefix(priority);
        var span = GetSpan(16);
        var dt = timestamp.DateTime;
        var month = MonthNames.Slice((dt.Month - 1) * 3, 3);
        month.CopyTo(span);
        span[3] = (byte)' ';
        span[4] = dt.Day < 10 ? (byte)' ' : (byte)('0' + (dt.Day / 10));
        span[5] = (byte)('0' + (dt.Day % 10));
        span[6] = (byte)' ';
        WriteTwoDigits(span[7..], dt.Hour);
        span[9] = (byte)':';
        WriteTwoDigits(span[10..], dt.Minute);
        span[12] = (byte)':';
        WriteTwoDigits(span[13..], dt.Second);
        span[15] = (byte)' ';
        Advance(16);

        WriteToken(host, nameof(host), nilIfEmpty: false);
        WriteAscii(" "u8);
        if (!tag.IsEmpty)
        {
            WriteToken(tag, nameof(tag), nilIfEmpty: false);
            WriteAscii(": "u8);
        }
    }

    /// <summary>Writes <c>&lt;PRI&gt;1 TIMESTAMP HOST APP PROCID MSGID - </c>.</summary>
    public void WriteSyslogRfc5424(int priority, DateTimeOffset timestamp, ReadOnlySpan<char> host, ReadOnlySpan<char> appName, ReadOnlySpan<char> procId = default, ReadOnlySpan<char> msgId = default)
    {
        BeginPrefix(priority);
        WriteAscii("1 "u8);
        var span = GetSpan(40);
        // Utf8Formatter's "O" writes 7 fraction digits; RFC 5424 allows at most 6, so format
        // the parts ourselves with milliseconds and a numeric offset.
        var written = 0;
        WriteNumber(span, ref written, timestamp.Year, 4);
        span[written++] = (byte)'-';
        WriteNumber(span, ref written, timestamp.Month, 2);
        span[written++] = (byte)'-';
        WriteNumber(span, ref written, timestamp.Day, 2);
        span[written++] = (byte)'T';
        WriteNumber(span, ref written, timestamp.Hour, 2);
        span[written++] = (byte)':';
        WriteNumber(span, ref written, timestamp.Minute, 2);
        span[written++] = (byte)':';
        WriteNumber(span, ref written, timestamp.Second, 2);
        span[written++] = (byte)'.';
        WriteNumber(span, ref written, timestamp.Millisecond, 3);
        var offset = timestamp.Offset;
        if (offset == TimeSpan.Zero)
        {
            span[written++] = (byte)'Z';
        }
        else
        {
            span[written++] = offset < TimeSpan.Zero ? (byte)'-' : (byte)'+';
            var abs = offset.Duration();
            WriteNumber(span, ref written, abs.Hours, 2);
            span[written++] = (byte)':';
            WriteNumber(span, ref written, abs.Minutes, 2);
        }

        span[written++] = (byte)' ';
        Advance(written);
        WriteToken(host, nameof(host), nilIfEmpty: true);
        WriteAscii(" "u8);
        WriteToken(appName, nameof(appName), nilIfEmpty: true);
        WriteAscii(" "u8);
        WriteToken(procId, nameof(procId), nilIfEmpty: true);
        WriteAscii(" "u8);
        WriteToken(msgId, nameof(msgId), nilIfEmpty: true);
        WriteAscii(" - "u8);
    }

    /// <summary>Writes <c>CEF:version|vendor|product|version|class|name|severity|</c>.</summary>
    /// <exception cref="ArgumentException">The severity is not 0–10 or Unknown/Low/Medium/High/Very-High.</exception>
    public void WriteHeader(ReadOnlySpan<char> deviceVendor, ReadOnlySpan<char> deviceProduct, ReadOnlySpan<char> deviceVersion,
        ReadOnlySpan<char> deviceEventClassId, ReadOnlySpan<char> name, ReadOnlySpan<char> severity, int version = 0)
    {
        CheckHeaderAllowed(severity);

        WriteHeaderStart(deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, version);
        WriteHeaderField(severity, CefHeaderField.Severity);
        _state = State.Header;
    }

    /// <summary>Writes a header prepared once, with this message's severity.</summary>
    /// <exception cref="ArgumentException">The severity is not 0–10 or Unknown/Low/Medium/High/Very-High.</exception>
    public void WriteHeader(CefPreparedHeader header, ReadOnlySpan<char> severity)
    {
        ArgumentNullException.ThrowIfNull(header);
        CheckHeaderAllowed(severity);

        // A valid severity is at most 9 ASCII characters with nothing to escape or cut.
        var bytes = header.Utf8;
        var span = GetSpan(bytes.Length + severity.Length + 1);
        bytes.CopyTo(span);
        var written = bytes.Length;
        for (var i = 0; i < severity.Length; i++)
        {
            span[written++] = (byte)severity[i];
        }

        span[written++] = (byte)'|';
        Advance(written);
        _truncatedFields += header.TruncatedFields;
        _state = State.Header;
    }

    private void CheckHeaderAllowed(ReadOnlySpan<char> severity)
    {
        if (_state > State.Prefix)
        {
            throw new InvalidOperationException("The CEF header was already written; call Reset() to start a new message.");
        }

        if (!CefLimits.IsValidSeverity(severity))
        {
            throw new ArgumentException($"CEF severity must be 0-10 or Unknown, Low, Medium, High, Very-High; got '{severity}'.", nameof(severity));
        }
    }

    // CEF:version| and the five fields before the severity.
    private void WriteHeaderStart(ReadOnlySpan<char> deviceVendor, ReadOnlySpan<char> deviceProduct, ReadOnlySpan<char> deviceVersion,
        ReadOnlySpan<char> deviceEventClassId, ReadOnlySpan<char> name, int version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        WriteAscii("CEF:"u8);
        var span = GetSpan(11);
        Utf8Formatter.TryFormat(version, span, out var written);
        span[written++] = (byte)'|';
        Advance(written);

        WriteHeaderField(deviceVendor, CefHeaderField.DeviceVendor);
        WriteHeaderField(deviceProduct, CefHeaderField.DeviceProduct);
        WriteHeaderField(deviceVersion, CefHeaderField.DeviceVersion);
        WriteHeaderField(deviceEventClassId, CefHeaderField.DeviceEventClassId);
        WriteHeaderField(name, CefHeaderField.Name);
    }

    /// <summary>Writes one <c>key=value</c> pair for a key prepared once, escaping the value and truncating it to the key's limit.</summary>
    public void WriteExtension(CefPreparedKey key, ReadOnlySpan<char> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureHeader();
        if (value.Length > key.MaxValueLength)
        {
            value = value[..CutAt(value, key.MaxValueLength)];
            _truncatedFields++;
        }

        var prefix = PairPrefix(key);
        if (value.Length > MaxSingleSpanValue)
        {
            WriteBytes(prefix);
            _state = State.Extension;
            WriteEscaped(value, ExtensionSpecialChars, header: false);
            return;
        }

        // An escaped ASCII character takes 2 bytes, any UTF-16 unit at most 3 in UTF-8: one span
        // for the whole pair instead of one per piece.
        var span = GetSpan(prefix.Length + (3 * value.Length));
        prefix.CopyTo(span);
        var written = prefix.Length + EscapeExtensionValue(value, span[prefix.Length..]);
        Advance(written);
        _state = State.Extension;
    }

    /// <summary>
    /// Writes one <c>key=value</c> pair for a key prepared once from a UTF-8 value, escaping it and truncating it
    /// to the key's limit (counted in UTF-16 units, as for a string): for valid UTF-8 the same bytes as the
    /// string overload writes for the decoded text. Invalid UTF-8 is copied as it is; callers validate.
    /// </summary>
    public void WriteExtension(CefPreparedKey key, ReadOnlySpan<byte> utf8Value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureHeader();
        // UTF-16 length never exceeds UTF-8 length, so only long values need counting.
        if (utf8Value.Length > key.MaxValueLength)
        {
            var cut = Utf8CutAt(utf8Value, key.MaxValueLength);
            if (cut < utf8Value.Length)
            {
                utf8Value = utf8Value[..cut];
                _truncatedFields++;
            }
        }

        var prefix = PairPrefix(key);
        if (utf8Value.Length > MaxSingleSpanValue)
        {
            WriteBytes(prefix);
            _state = State.Extension;
            WriteEscapedUtf8(utf8Value);
            return;
        }

        // An escaped byte takes 2: one span for the whole pair.
        var span = GetSpan(prefix.Length + (2 * utf8Value.Length));
        prefix.CopyTo(span);
        var written = prefix.Length;
        while (true)
        {
            var special = utf8Value.IndexOfAny(ExtensionSpecialBytes);
            var plain = special < 0 ? utf8Value : utf8Value[..special];
            plain.CopyTo(span[written..]);
            written += plain.Length;
            if (special < 0)
            {
                break;
            }

            span[written] = (byte)'\\';
            span[written + 1] = utf8Value[special] switch
            {
                (byte)'\r' => (byte)'r',
                (byte)'\n' => (byte)'n',
                var b => b,
            };
            written += 2;
            utf8Value = utf8Value[(special + 1)..];
        }

        Advance(written);
        _state = State.Extension;
    }

    private void WriteEscapedUtf8(ReadOnlySpan<byte> utf8Value)
    {
        while (true)
        {
            var special = utf8Value.IndexOfAny(ExtensionSpecialBytes);
            WriteBytes(special < 0 ? utf8Value : utf8Value[..special]);
            if (special < 0)
            {
                return;
            }

            WriteEscape((char)utf8Value[special]);
            utf8Value = utf8Value[(special + 1)..];
        }
    }

    /// <summary>Writes one <c>key=number</c> pair for a key prepared once.</summary>
    public void WriteExtension(CefPreparedKey key, long value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureHeader();
        var prefix = PairPrefix(key);
        var span = GetSpan(prefix.Length + 20);
        prefix.CopyTo(span);
        Utf8Formatter.TryFormat(value, span[prefix.Length..], out var written);
        Advance(prefix.Length + written);
        _state = State.Extension;
    }

    /// <summary>Writes a <c>key=value</c> pair whose value never changes (a label), escaped and truncated once.</summary>
    public void WriteExtension(CefPreparedPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        EnsureHeader();
        // The pair is stored with its leading separator; the first pair of a message goes without it.
        var bytes = _state == State.Extension ? pair.Utf8 : pair.Utf8[1..];
        WriteBytes(bytes);
        _truncatedFields += pair.TruncatedFields;
        _state = State.Extension;
    }

    internal static CefPreparedHeader PrepareHeader(string deviceVendor, string deviceProduct, string deviceVersion, string deviceEventClassId,
        string name, int version)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        var writer = new CefWriter(buffer);
        writer.WriteHeaderStart(deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, version);
        return new CefPreparedHeader(buffer.WrittenSpan.ToArray(), writer._truncatedFields);
    }

    internal static CefPreparedPair PreparePair(CefPreparedKey key, string value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        // In extension state, so the pair is written with its leading separator.
        var writer = new CefWriter(buffer) { _state = State.Extension };
        writer.WriteExtension(key, value);
        return new CefPreparedPair(key.Name, buffer.WrittenSpan.ToArray(), writer._truncatedFields);
    }

    private ReadOnlySpan<byte> PairPrefix(CefPreparedKey key) => _state == State.Extension ? key.SpaceKeyEquals : key.SpaceKeyEquals[1..];

    // Escapes and encodes a value into a span of at least 3 bytes per UTF-16 unit; returns the bytes written.
    private static int EscapeExtensionValue(ReadOnlySpan<char> value, Span<byte> destination)
    {
        var written = 0;
        while (true)
        {
            var special = value.IndexOfAny(ExtensionSpecialChars);
            var plain = special < 0 ? value : value[..special];
            if (!plain.IsEmpty)
            {
                // Replaces a lone surrogate with U+FFFD, as Encoding.UTF8 does.
                Utf8.FromUtf16(plain, destination[written..], out _, out var n);
                written += n;
            }

            if (special < 0)
            {
                return written;
            }

            destination[written] = (byte)'\\';
            destination[written + 1] = value[special] switch
            {
                '\r' => (byte)'r',
                '\n' => (byte)'n',
                var c => (byte)c,
            };
            written += 2;
            value = value[(special + 1)..];
        }
    }

    /// <summary>Writes one <c>key=value</c> pair, escaping the value and truncating it to the key's limit.</summary>
    /// <exception cref="ArgumentException">The key is not a valid CEF key.</exception>
    public void WriteExtension(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        BeginExtension(key);
        var limit = CefLimits.MaxValueLength(key);
        if (value.Length > limit)
        {
            value = value[..CutAt(value, limit)];
            _truncatedFields++;
        }

        if (value.Length > MaxSingleSpanValue)
        {
            WriteEscaped(value, ExtensionSpecialChars, header: false);
            return;
        }

        var span = GetSpan(3 * value.Length);
        Advance(EscapeExtensionValue(value, span));
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

        BeginExtensionValidated(utf8Key);
        // UTF-16 length never exceeds UTF-8 length, so only long values need counting.
        if (utf8Value.Length > limit)
        {
            var cut = Utf8CutAt(utf8Value, limit);
            if (cut < utf8Value.Length)
            {
                utf8Value = utf8Value[..cut];
                _truncatedFields++;
            }
        }

        WriteEscapedUtf8(utf8Value);
    }

    public void WriteExtension(ReadOnlySpan<char> key, long value)
    {
        BeginExtension(key);
        var span = GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        Advance(written);
    }

    /// <summary>Writes a date key as epoch milliseconds, the form every SmartConnector accepts.</summary>
    public void WriteExtension(ReadOnlySpan<char> key, DateTimeOffset value) => WriteExtension(key, value.ToUnixTimeMilliseconds());

    private void BeginPrefix(int priority)
    {
        if (_state != State.Empty)
        {
            throw new InvalidOperationException("A syslog header goes first; call Reset() to start a new message.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, 191);
        var span = GetSpan(5);
        span[0] = (byte)'<';
        Utf8Formatter.TryFormat(priority, span[1..], out var written);
        span[written + 1] = (byte)'>';
        Advance(written + 2);
        _state = State.Prefix;
    }

    private void BeginExtension(ReadOnlySpan<char> key)
    {
        if (!CefLimits.IsValidKey(key))
        {
            throw InvalidKey(key.ToString());
        }

        EnsureHeader();
        if (_state == State.Extension)
        {
            WriteAscii(" "u8);
        }

        var span = GetSpan(key.Length + 1);
        for (var i = 0; i < key.Length; i++)
        {
            span[i] = (byte)key[i];
        }

        span[key.Length] = (byte)'=';
        Advance(key.Length + 1);
        _state = State.Extension;
    }

    private void BeginExtensionValidated(ReadOnlySpan<byte> utf8Key)
    {
        EnsureHeader();
        if (_state == State.Extension)
        {
            WriteAscii(" "u8);
        }

        WriteBytes(utf8Key);
        WriteAscii("="u8);
        _state = State.Extension;
    }

    private void EnsureHeader()
    {
        if (_state < State.Header)
        {
            throw new InvalidOperationException("Write the CEF header before extension pairs.");
        }
    }

    private static ArgumentException InvalidKey(string key)
        => new($"'{key}' is not a valid CEF extension key (letters, digits, '_', '.', ',', '[', ']').", nameof(key));

    private void WriteHeaderField(ReadOnlySpan<char> value, CefHeaderField field)
    {
        var limit = CefLimits.MaxHeaderLength(field);
        if (value.Length > limit)
        {
            value = value[..CutAt(value, limit)];
            _truncatedFields++;
        }

        WriteEscaped(value, HeaderSpecialChars, header: true);
        WriteAscii("|"u8);
    }

    private void WriteEscaped(ReadOnlySpan<char> value, SearchValues<char> specials, bool header)
    {
        while (true)
        {
            var special = value.IndexOfAny(specials);
            var plain = special < 0 ? value : value[..special];
            if (!plain.IsEmpty)
            {
                WriteUtf8(plain);
            }

            if (special < 0)
            {
                return;
            }

            var c = value[special];
            if (header && c is '\r' or '\n')
            {
                WriteAscii(" "u8);
            }
            else
            {
                WriteEscape(c);
            }

            value = value[(special + 1)..];
        }
    }

    private void WriteEscape(char c)
    {
        var span = GetSpan(2);
        span[0] = (byte)'\\';
        span[1] = c switch
        {
            '\r' => (byte)'r',
            '\n' => (byte)'n',
            _ => (byte)c,
        };
        Advance(2);
    }

    private void WriteUtf8(ReadOnlySpan<char> text)
    {
        // A lone surrogate becomes U+FFFD rather than failing the whole event.
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var span = GetSpan(max);
        var written = Encoding.UTF8.GetBytes(text, span);
        Advance(written);
    }

    private void WriteAscii(ReadOnlySpan<byte> ascii) => WriteBytes(ascii);

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        var span = GetSpan(bytes.Length);
        bytes.CopyTo(span);
        Advance(bytes.Length);
    }

    // ArrayBufferWriter is sealed: calling it directly instead of through the interface saves a
    // dispatch stub per write, a few dozen times per message.
    private Span<byte> GetSpan(int sizeHint) => _array is { } a ? a.GetSpan(sizeHint) : _output.GetSpan(sizeHint);

    private void Advance(int count)
    {
        if (_array is { } a)
        {
            a.Advance(count);
        }
        else
        {
            _output.Advance(count);
        }
    }

    private void WriteToken(ReadOnlySpan<char> token, string name, bool nilIfEmpty)
    {
        if (token.IsEmpty)
        {
            if (nilIfEmpty)
            {
                WriteAscii("-"u8);
                return;
            }

            throw new ArgumentException("A syslog header field must not be empty.", name);
        }

        foreach (var c in token)
        {
            if (c <= ' ' || c > '~')
            {
                throw new ArgumentException($"Syslog header field '{token}' must be printable ASCII without spaces.", name);
            }
        }

        var span = GetSpan(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            span[i] = (byte)token[i];
        }

        Advance(token.Length);
    }

    // The longest prefix of at most `limit` UTF-16 units that does not split a surrogate pair.
    private static int CutAt(ReadOnlySpan<char> value, int limit)
        => char.IsHighSurrogate(value[limit - 1]) ? limit - 1 : limit;

    // The byte length of the longest UTF-8 prefix of at most `limit` UTF-16 units.
    private static int Utf8CutAt(ReadOnlySpan<byte> utf8, int limit)
    {
        var units = 0;
        var i = 0;
        while (i < utf8.Length)
        {
            Rune.DecodeFromUtf8(utf8[i..], out var rune, out var consumed);
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

    private static void WriteTwoDigits(Span<byte> span, int value)
    {
        span[0] = (byte)('0' + (value / 10));
        span[1] = (byte)('0' + (value % 10));
    }

    private static void WriteNumber(Span<byte> span, ref int written, int value, int digits)
    {
        for (var i = digits - 1; i >= 0; i--)
        {
            span[written + i] = (byte)('0' + (value % 10));
            value /= 10;
        }

        written += digits;
    }

    private static ReadOnlySpan<byte> MonthNames => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;
}
