using System.Buffers.Text;

namespace Aeg.Cef;

/// <summary>Writes the syslog header in front of a CEF message: RFC 3164 or RFC 5424.</summary>
internal static class SyslogPrefixWriter
{
    private static ReadOnlySpan<byte> MonthNames => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    // What follows each part of an RFC 5424 timestamp, yyyy-MM-ddTHH:mm:ss.fff.
    private static ReadOnlySpan<byte> Rfc5424Separators => "--T::."u8;

    /// <summary>Writes <c>&lt;PRI&gt;</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The priority is not 0–191.</exception>
    public static void WritePriority(ref BufferOutput output, int priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, 191);
        var span = output.GetSpan(5);
        span[0] = (byte)'<';
        Utf8Formatter.TryFormat(priority, span[1..], out var written);
        span[written + 1] = (byte)'>';
        output.Advance(written + 2);
    }

    /// <summary>Writes <c>Mmm dd HH:mm:ss host tag: </c> (tag and its colon omitted when empty).</summary>
    public static void WriteRfc3164(ref BufferOutput output, DateTimeOffset timestamp, ReadOnlySpan<char> host, ReadOnlySpan<char> tag)
    {
        var span = output.GetSpan(16);
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
        output.Advance(16);

        WriteToken(ref output, host, nameof(host), nilIfEmpty: false);
        output.Write(" "u8);
        if (!tag.IsEmpty)
        {
            WriteToken(ref output, tag, nameof(tag), nilIfEmpty: false);
            output.Write(": "u8);
        }
    }

    /// <summary>Writes <c>1 TIMESTAMP HOST APP PROCID MSGID - </c>.</summary>
    public static void WriteRfc5424(ref BufferOutput output, DateTimeOffset timestamp, ReadOnlySpan<char> host, ReadOnlySpan<char> appName,
        ReadOnlySpan<char> procId, ReadOnlySpan<char> msgId)
    {
        output.Write("1 "u8);
        var span = output.GetSpan(40);
        // Utf8Formatter's "O" writes 7 fraction digits; RFC 5424 allows at most 6, so format
        // the parts ourselves with milliseconds and a numeric offset.
        Span<int> parts = [timestamp.Year, timestamp.Month, timestamp.Day, timestamp.Hour, timestamp.Minute, timestamp.Second, timestamp.Millisecond];
        var written = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                span[written++] = Rfc5424Separators[i - 1];
            }

            WriteNumber(span, ref written, parts[i], i == 0 ? 4 : i == parts.Length - 1 ? 3 : 2);
        }

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
        output.Advance(written);
        WriteToken(ref output, host, nameof(host), nilIfEmpty: true);
        output.Write(" "u8);
        WriteToken(ref output, appName, nameof(appName), nilIfEmpty: true);
        output.Write(" "u8);
        WriteToken(ref output, procId, nameof(procId), nilIfEmpty: true);
        output.Write(" "u8);
        WriteToken(ref output, msgId, nameof(msgId), nilIfEmpty: true);
        output.Write(" - "u8);
    }

    private static void WriteToken(ref BufferOutput output, ReadOnlySpan<char> token, string name, bool nilIfEmpty)
    {
        if (token.IsEmpty)
        {
            if (nilIfEmpty)
            {
                output.Write("-"u8);
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

        var span = output.GetSpan(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            span[i] = (byte)token[i];
        }

        output.Advance(token.Length);
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
}
