namespace Aeg.Cef;

/// <summary>The syslog header found in front of a CEF message, if any.</summary>
public enum SyslogFormat : byte
{
    /// <summary>The line starts with <c>CEF:</c> (or a BSD timestamp without PRI).</summary>
    None = 0,
    /// <summary>BSD syslog: <c>&lt;PRI&gt;Mmm dd hh:mm:ss host tag: msg</c>.</summary>
    Rfc3164,
    /// <summary>IETF syslog: <c>&lt;PRI&gt;1 TIMESTAMP HOST APP PROCID MSGID SD MSG</c>.</summary>
    Rfc5424,
}
