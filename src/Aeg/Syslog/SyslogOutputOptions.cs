namespace Aeg.Syslog;

/// <summary>Transport for syslog out and in.</summary>
public enum SyslogProtocol { Udp, Tcp, Tls }

/// <summary>Syslog header format written in front of the CEF message.</summary>
public enum SyslogMessageFormat { Rfc3164, Rfc5424 }

/// <summary>TCP/TLS framing (RFC 6587).</summary>
public enum SyslogFraming { OctetCounting, Lf }

/// <summary>Where and how Aeg sends its syslog messages (the <c>syslog:</c> section of the config).</summary>
public sealed class SyslogOutputOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 514;
    public SyslogProtocol Protocol { get; set; } = SyslogProtocol.Udp;
    public SyslogMessageFormat Format { get; set; } = SyslogMessageFormat.Rfc3164;
    /// <summary>Only for TCP and TLS. LF is what most SmartConnectors expect on raw TCP.</summary>
    public SyslogFraming Framing { get; set; } = SyslogFraming.Lf;
    /// <summary>Syslog facility (0–23); local4 by default.</summary>
    public int Facility { get; set; } = 20;
    /// <summary>Path of a PEM CA bundle to validate the TLS server; the system store when null.</summary>
    public string? TlsCaFile { get; set; }
    /// <summary>Name expected in the server certificate; <see cref="Host"/> when null.</summary>
    public string? TlsServerName { get; set; }
    /// <summary>Client certificate (PEM) and key for mutual TLS, optional.</summary>
    public string? TlsClientCertFile { get; set; }
    public string? TlsClientKeyFile { get; set; }
    /// <summary>Only for testing: accept any server certificate. Logged loudly at start-up.</summary>
    public bool TlsInsecureSkipVerify { get; set; }
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Reconnect backoff bounds.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
