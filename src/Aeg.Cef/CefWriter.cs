using System.Buffers;
using System.Buffers.Text;

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
/// This file holds the state, the syslog header (written by <see cref="SyslogPrefixWriter"/>) and
/// the CEF header; the extension pairs are written in CefWriter.Extensions.cs.
/// </remarks>
public sealed partial class CefWriter
{
    private BufferOutput _output;
    private State _state;
    private int _truncatedFields;

    public CefWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = new BufferOutput(output);
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
            _output = new BufferOutput(output);
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
        SyslogPrefixWriter.WriteRfc3164(ref _output, timestamp, host, tag);
    }

    /// <summary>Writes <c>&lt;PRI&gt;1 TIMESTAMP HOST APP PROCID MSGID - </c>.</summary>
    public void WriteSyslogRfc5424(int priority, DateTimeOffset timestamp, ReadOnlySpan<char> host, ReadOnlySpan<char> appName, ReadOnlySpan<char> procId = default, ReadOnlySpan<char> msgId = default)
    {
        BeginPrefix(priority);
        SyslogPrefixWriter.WriteRfc5424(ref _output, timestamp, host, appName, procId, msgId);
    }

    private void BeginPrefix(int priority)
    {
        if (_state != State.Empty)
        {
            throw new InvalidOperationException("A syslog header goes first; call Reset() to start a new message.");
        }

        SyslogPrefixWriter.WritePriority(ref _output, priority);
        _state = State.Prefix;
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
        var span = _output.GetSpan(bytes.Length + severity.Length + 1);
        bytes.CopyTo(span);
        var written = bytes.Length;
        for (var i = 0; i < severity.Length; i++)
        {
            span[written++] = (byte)severity[i];
        }

        span[written++] = (byte)'|';
        _output.Advance(written);
        _truncatedFields += header.TruncatedFields;
        _state = State.Header;
    }

    internal static CefPreparedHeader PrepareHeader(string deviceVendor, string deviceProduct, string deviceVersion, string deviceEventClassId,
        string name, int version)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        var writer = new CefWriter(buffer);
        writer.WriteHeaderStart(deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, version);
        return new CefPreparedHeader(buffer.WrittenSpan.ToArray(), writer._truncatedFields);
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
        _output.Write("CEF:"u8);
        var span = _output.GetSpan(11);
        Utf8Formatter.TryFormat(version, span, out var written);
        span[written++] = (byte)'|';
        _output.Advance(written);

        WriteHeaderField(deviceVendor, CefHeaderField.DeviceVendor);
        WriteHeaderField(deviceProduct, CefHeaderField.DeviceProduct);
        WriteHeaderField(deviceVersion, CefHeaderField.DeviceVersion);
        WriteHeaderField(deviceEventClassId, CefHeaderField.DeviceEventClassId);
        WriteHeaderField(name, CefHeaderField.Name);
    }

    // Header fields are at most 1023 characters once cut: one span for the field and its pipe.
    private void WriteHeaderField(ReadOnlySpan<char> value, CefHeaderField field)
    {
        value = Truncate<Utf16Text, char>(value, CefLimits.MaxHeaderLength(field));
        var span = _output.GetSpan((Utf16Text.MaxEscapedBytes * value.Length) + 1);
        // Header fields seldom hold a special: those are only encoded, without the escaper's call.
        var written = value.IndexOfAny(CefEscaping.HeaderSpecialChars) < 0
            ? Utf16Text.Encode(value, span)
            : CefEscaping.Escape<Utf16Text, char>(value, span, header: true);
        span[written] = (byte)'|';
        _output.Advance(written + 1);
    }

    private void EnsureHeader()
    {
        if (_state < State.Header)
        {
            throw new InvalidOperationException("Write the CEF header before extension pairs.");
        }
    }

    // Cuts text to the limit and counts the cut; a UTF-16 length never exceeds the UTF-8 length,
    // so only text longer than the limit needs counting.
    private ReadOnlySpan<T> Truncate<TText, T>(ReadOnlySpan<T> text, int limit)
        where TText : ICefText<T>
        where T : unmanaged, IBinaryInteger<T>
    {
        if (text.Length > limit)
        {
            var cut = TText.CutAt(text, limit);
            if (cut < text.Length)
            {
                text = text[..cut];
                _truncatedFields++;
            }
        }

        return text;
    }
}
