namespace Aeg.Cef;

/// <summary>Why <see cref="CefReader"/> rejected a line; the reader also reports the byte position.</summary>
public enum CefError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The line is empty or only white space.</summary>
    Empty,
    /// <summary>A syslog <c>&lt;PRI&gt;</c> is present but not 0–191 followed by <c>&gt;</c>.</summary>
    BadSyslogPriority,
    /// <summary>An RFC 5424 header is cut short or its structured data is unterminated.</summary>
    BadSyslogHeader,
    /// <summary>No <c>CEF:</c> marker was found.</summary>
    NoCefMarker,
    /// <summary>The CEF version after <c>CEF:</c> is not a number.</summary>
    BadVersion,
    /// <summary>Fewer than the six header fields after the version.</summary>
    TruncatedHeader,
    /// <summary>The extension does not start with <c>key=</c>.</summary>
    ExtensionWithoutKey,
}
