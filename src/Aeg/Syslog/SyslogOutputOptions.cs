using Aeg.Configuration;

namespace Aeg.Syslog;

/// <summary>Transport for syslog out and in.</summary>
public enum SyslogProtocol { Udp, Tcp, Tls }

/// <summary>Syslog header format written in front of the CEF message.</summary>
public enum SyslogMessageFormat { Rfc3164, Rfc5424 }

/// <summary>TCP/TLS framing (RFC 6587).</summary>
public enum SyslogFraming { OctetCounting, Lf }

/// <summary>Where and how Aeg sends its syslog messages (the <c>syslog:</c> section of the config).</summary>
/// <remarks>docs/syslog-output.md describes every key as it appears in YAML.</remarks>
public sealed class SyslogOutputOptions
{
    /// <summary>Largest UDP payload that fits one IPv4 datagram.</summary>
    public const int MaxUdpDatagram = 65507;

    /// <summary>Smallest datagram every RFC 5426 receiver must accept over IPv4.</summary>
    public const int MinUdpDatagram = 480;

    /// <summary>Receiver host name or IP address.</summary>
    public string Host { get; set; } = "127.0.0.1";
    /// <summary>Receiver port.</summary>
    public int Port { get; set; } = 514;
    /// <summary>UDP, TCP or TLS (RFC 5425).</summary>
    public SyslogProtocol Protocol { get; set; } = SyslogProtocol.Udp;
    /// <summary>Syslog header written in front of each CEF message.</summary>
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
    /// <summary>PEM private key of <see cref="TlsClientCertFile"/>; null when the key is in the certificate file.</summary>
    public string? TlsClientKeyFile { get; set; }
    /// <summary>Only for testing: accept any server certificate. Logged loudly at start-up.</summary>
    public bool TlsInsecureSkipVerify { get; set; }

    /// <summary>Oldest TLS version to accept from the receiver: tls12 (default) or tls13.</summary>
    public TlsMinimumVersion TlsMinVersion { get; set; } = TlsMinimumVersion.Tls12;
    /// <summary>Bound on TCP connect plus TLS handshake.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Reconnect backoff bounds.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Upper bound of the reconnect backoff.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// UDP only: messages larger than this many bytes are refused (never truncated). RFC 5426 only
    /// promises 480 (IPv4) / 1180 (IPv6) bytes and recommends 2048; ESM SmartConnectors take about 64 KiB.
    /// </summary>
    public int UdpMaxMessageSize { get; set; } = 65000;

    /// <summary>
    /// TCP/TLS only: how long written data may stay unacknowledged by the receiver before the
    /// kernel drops the connection (Linux <c>TCP_USER_TIMEOUT</c>), so a vanished peer turns into
    /// a send failure instead of a write that blocks for the ~15 minutes of TCP retransmissions.
    /// </summary>
    public TimeSpan DeadPeerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Every problem of this section, keys prefixed with <paramref name="keyPrefix"/> (none when it is empty,
    /// as in <see cref="SyslogSenderFactory"/>'s message). Only checks that files exist; their content is read
    /// by <see cref="SyslogSenderFactory"/>.
    /// </summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        var errors = new List<ConfigProblem>();
        void Add(string key, string reason) => errors.Add(new ConfigProblem(keyPrefix.Length == 0 ? key : $"{keyPrefix}.{key}", reason));

        if (string.IsNullOrWhiteSpace(Host))
            Add("host", "must not be empty");
        if (Port is < 1 or > 65535)
            Add("port", $"must be between 1 and 65535, was {Port}");
        if (!Enum.IsDefined(Protocol))
            Add("protocol", $"unknown value {Protocol}");
        if (!Enum.IsDefined(Framing))
            Add("framing", $"unknown value {Framing}");
        if (Facility is < 0 or > 23)
            Add("facility", $"must be between 0 and 23, was {Facility}");
        if (ConnectTimeout <= TimeSpan.Zero)
            Add("connectTimeout", $"must be positive, was {ConnectTimeout}");
        if (ReconnectMinDelay < TimeSpan.Zero)
            Add("reconnectMinDelay", $"must not be negative, was {ReconnectMinDelay}");
        if (ReconnectMaxDelay < ReconnectMinDelay)
            Add("reconnectMaxDelay", $"must be at least reconnectMinDelay ({ReconnectMinDelay}), was {ReconnectMaxDelay}");
        if (DeadPeerTimeout <= TimeSpan.Zero || DeadPeerTimeout.TotalMilliseconds > int.MaxValue)
            Add("deadPeerTimeout", $"must be positive and below 24 days, was {DeadPeerTimeout}");
        if (UdpMaxMessageSize is < MinUdpDatagram or > MaxUdpDatagram)
            Add("udpMaxMessageSize", $"must be between {MinUdpDatagram} and {MaxUdpDatagram}, was {UdpMaxMessageSize}");

        if (Protocol == SyslogProtocol.Tls)
        {
            foreach (var (key, path) in new[] { ("tlsCaFile", TlsCaFile), ("tlsClientCertFile", TlsClientCertFile), ("tlsClientKeyFile", TlsClientKeyFile) })
            {
                if (path is not null && !File.Exists(path))
                    Add(key, $"file not found: {path}");
            }
            if (TlsClientKeyFile is not null && TlsClientCertFile is null)
                Add("tlsClientKeyFile", "set without tlsClientCertFile");
            if (TlsInsecureSkipVerify && TlsCaFile is not null)
                Add("tlsInsecureSkipVerify", "cannot be combined with tlsCaFile");
        }
        else if (TlsCaFile is not null || TlsClientCertFile is not null || TlsClientKeyFile is not null
                 || TlsServerName is not null || TlsInsecureSkipVerify || TlsMinVersion != TlsMinimumVersion.Tls12)
        {
            Add("protocol", $"the tls* keys are set but protocol is {Protocol}, not Tls");
        }

        return errors;
    }
}
