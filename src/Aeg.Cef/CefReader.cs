namespace Aeg.Cef;

/// <summary>
/// Reads one CEF message (with or without a syslog prefix) from UTF-8 bytes without allocating,
/// in the manner of <c>Utf8JsonReader</c>: it hands out spans over the input and unescapes only
/// on request, into the caller's buffer.
/// </summary>
public ref struct CefReader
{
    /// <summary>Parses the syslog prefix and CEF header; check <see cref="Error"/> afterwards.</summary>
    public CefReader(ReadOnlySpan<byte> line) => throw new NotImplementedException();

    /// <summary>Why the line was rejected, or <see cref="CefError.None"/>.</summary>
    public readonly CefError Error => throw new NotImplementedException();
    /// <summary>Byte offset in the line where the error was found.</summary>
    public readonly int ErrorPosition => throw new NotImplementedException();
    /// <summary>True when the prefix and header parsed (extensions may still fail).</summary>
    public readonly bool IsValid => Error == CefError.None;

    public readonly SyslogFormat SyslogFormat => throw new NotImplementedException();
    /// <summary>The syslog PRI value (0–191), or -1 when the line had none.</summary>
    public readonly int SyslogPriority => throw new NotImplementedException();
    public readonly int SyslogFacility => SyslogPriority < 0 ? -1 : SyslogPriority >> 3;
    public readonly int SyslogSeverity => SyslogPriority < 0 ? -1 : SyslogPriority & 7;
    /// <summary>The syslog timestamp as sent (empty when none).</summary>
    public readonly ReadOnlySpan<byte> SyslogTimestamp => throw new NotImplementedException();
    /// <summary>The syslog host name as sent (empty when none).</summary>
    public readonly ReadOnlySpan<byte> SyslogHost => throw new NotImplementedException();

    /// <summary>The number after <c>CEF:</c>.</summary>
    public readonly int Version => throw new NotImplementedException();
    /// <summary>Byte offset of <c>CEF:</c> in the line.</summary>
    public readonly int CefStart => throw new NotImplementedException();

    /// <summary>A header field as it appears on the wire (still escaped).</summary>
    public readonly ReadOnlySpan<byte> GetHeaderRaw(CefHeaderField field) => throw new NotImplementedException();
    public readonly bool HeaderNeedsUnescaping(CefHeaderField field) => throw new NotImplementedException();
    /// <summary>Unescapes a header field into <paramref name="destination"/>; false if it is too small.</summary>
    public readonly bool TryCopyHeader(CefHeaderField field, Span<byte> destination, out int bytesWritten) => throw new NotImplementedException();
    /// <summary>Compares a header field, unescaped, with <paramref name="utf8Text"/> without copying.</summary>
    public readonly bool HeaderEquals(CefHeaderField field, ReadOnlySpan<byte> utf8Text) => throw new NotImplementedException();
    /// <summary>The unescaped header field as a string (allocates; not for the hot path).</summary>
    public readonly string GetHeaderString(CefHeaderField field) => throw new NotImplementedException();

    /// <summary>Moves to the next extension pair; false at the end or on error (see <see cref="Error"/>).</summary>
    public bool ReadNextExtension() => throw new NotImplementedException();
    /// <summary>The current extension key.</summary>
    public readonly ReadOnlySpan<byte> Key => throw new NotImplementedException();
    /// <summary>The current extension value as on the wire (still escaped, trailing blanks of the last value dropped).</summary>
    public readonly ReadOnlySpan<byte> RawValue => throw new NotImplementedException();
    public readonly bool ValueNeedsUnescaping => throw new NotImplementedException();
    /// <summary>Unescapes the current value into <paramref name="destination"/>; false if it is too small.</summary>
    public readonly bool TryCopyValue(Span<byte> destination, out int bytesWritten) => throw new NotImplementedException();
    /// <summary>Compares the current value, unescaped, with <paramref name="utf8Text"/> without copying.</summary>
    public readonly bool ValueEquals(ReadOnlySpan<byte> utf8Text) => throw new NotImplementedException();
    /// <summary>The unescaped current value as a string (allocates; not for the hot path).</summary>
    public readonly string GetValueString() => throw new NotImplementedException();
}
