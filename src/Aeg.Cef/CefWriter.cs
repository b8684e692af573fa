using System.Buffers;
using System.Buffers.Text;
using System.Text;

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

    private IBufferWriter<byte> _output;
    private State _state;
    private int _truncatedFields;

    public CefWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
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
        var span = _output.GetSpan(16);
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
        _output.Advance(16);

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
        var span = _output.GetSpan(40);
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
        _output.Advance(written);
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
        if (_state > State.Prefix)
        {
            throw new InvalidOperationException("The CEF header was already written; call Reset() to start a new message.");
        }

        if (!CefLimits.IsValidSeverity(severity))
        {
            throw new ArgumentException($"CEF severity must be 0-10 or Unknown, Low, Medium, High, Very-High; got '{severity}'.", nameof(severity));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(version);
        WriteAscii("CEF:"u8);
        var span = _output.GetSpan(11);
        Utf8Formatter.TryFormat(version, span, out var written);
        span[written++] = (byte)'|';
        _output.Advance(written);

        WriteHeaderField(deviceVendor, CefHeaderField.DeviceVendor);
        WriteHeaderField(deviceProduct, CefHeaderField.DeviceProduct);
        WriteHeaderField(deviceVersion, CefHeaderField.DeviceVersion);
        WriteHeaderField(deviceEventClassId, CefHeaderField.DeviceEventClassId);
        WriteHeaderField(name, CefHeaderField.Name);
        WriteHeaderField(severity, CefHeaderField.Severity);
        _state = State.Header;
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

        WriteEscaped(value, ExtensionSpecialChars, header: false);
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

        while (true)
        {
            var special = utf8Value.IndexOfAny(ExtensionSpecialBytes);
            var plain = special < 0 ? utf8Value : utf8Value[..special];
            _output.Write(plain);
            if (special < 0)
            {
                return;
            }

            WriteEscape((char)utf8Value[special]);
            utf8Value = utf8Value[(special + 1)..];
        }
    }

    public void WriteExtension(ReadOnlySpan<char> key, long value)
    {
        BeginExtension(key);
        var span = _output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _output.Advance(written);
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
        var span = _output.GetSpan(5);
        span[0] = (byte)'<';
        Utf8Formatter.TryFormat(priority, span[1..], out var written);
        span[written + 1] = (byte)'>';
        _output.Advance(written + 2);
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

        var span = _output.GetSpan(key.Length + 1);
        for (var i = 0; i < key.Length; i++)
        {
            span[i] = (byte)key[i];
        }

        span[key.Length] = (byte)'=';
        _output.Advance(key.Length + 1);
        _state = State.Extension;
    }

    private void BeginExtensionValidated(ReadOnlySpan<byte> utf8Key)
    {
        EnsureHeader();
        if (_state == State.Extension)
        {
            WriteAscii(" "u8);
        }

        _output.Write(utf8Key);
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
        var span = _output.GetSpan(2);
        span[0] = (byte)'\\';
        span[1] = c switch
        {
            '\r' => (byte)'r',
            '\n' => (byte)'n',
            _ => (byte)c,
        };
        _output.Advance(2);
    }

    private void WriteUtf8(ReadOnlySpan<char> text)
    {
        // A lone surrogate becomes U+FFFD rather than failing the whole event.
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var span = _output.GetSpan(max);
        var written = Encoding.UTF8.GetBytes(text, span);
        _output.Advance(written);
    }

    private void WriteAscii(ReadOnlySpan<byte> ascii) => _output.Write(ascii);

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

        var span = _output.GetSpan(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            span[i] = (byte)token[i];
        }

        _output.Advance(token.Length);
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
