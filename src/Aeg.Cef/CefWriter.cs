using System.Buffers;

namespace Aeg.Cef;

/// <summary>
/// Writes CEF messages (optionally behind an RFC 3164 or RFC 5424 syslog header) into an
/// <see cref="IBufferWriter{T}"/>, escaping and truncating to the CEF field limits. Reusable:
/// one instance per thread, <see cref="Reset"/> between messages, no allocation per message.
/// </summary>
public sealed class CefWriter
{
    public CefWriter(IBufferWriter<byte> output) => throw new NotImplementedException();

    /// <summary>Starts a new message, optionally into another buffer.</summary>
    public void Reset(IBufferWriter<byte>? output = null) => throw new NotImplementedException();

    /// <summary>How many fields of the current message were cut to their CEF limit.</summary>
    public int TruncatedFields => throw new NotImplementedException();

    /// <summary>Writes <c>&lt;PRI&gt;Mmm dd HH:mm:ss host tag: </c> (tag and its colon omitted when empty).</summary>
    public void WriteSyslogRfc3164(int priority, DateTimeOffset timestamp, ReadOnlySpan<char> host, ReadOnlySpan<char> tag = default) => throw new NotImplementedException();

    /// <summary>Writes <c>&lt;PRI&gt;1 TIMESTAMP HOST APP PROCID MSGID - </c>.</summary>
    public void WriteSyslogRfc5424(int priority, DateTimeOffset timestamp, ReadOnlySpan<char> host, ReadOnlySpan<char> appName, ReadOnlySpan<char> procId = default, ReadOnlySpan<char> msgId = default) => throw new NotImplementedException();

    /// <summary>Writes <c>CEF:version|vendor|product|version|class|name|severity|</c>.</summary>
    /// <exception cref="ArgumentException">The severity is not 0–10 or Unknown/Low/Medium/High/Very-High.</exception>
    public void WriteHeader(ReadOnlySpan<char> deviceVendor, ReadOnlySpan<char> deviceProduct, ReadOnlySpan<char> deviceVersion,
        ReadOnlySpan<char> deviceEventClassId, ReadOnlySpan<char> name, ReadOnlySpan<char> severity, int version = 0) => throw new NotImplementedException();

    /// <summary>Writes one <c>key=value</c> pair, escaping the value and truncating it to the key's limit.</summary>
    /// <exception cref="ArgumentException">The key is not a valid CEF key.</exception>
    public void WriteExtension(ReadOnlySpan<char> key, ReadOnlySpan<char> value) => throw new NotImplementedException();
    public void WriteExtension(ReadOnlySpan<byte> utf8Key, ReadOnlySpan<byte> utf8Value) => throw new NotImplementedException();
    public void WriteExtension(ReadOnlySpan<char> key, long value) => throw new NotImplementedException();
    /// <summary>Writes a date key as epoch milliseconds, the form every SmartConnector accepts.</summary>
    public void WriteExtension(ReadOnlySpan<char> key, DateTimeOffset value) => throw new NotImplementedException();
}
