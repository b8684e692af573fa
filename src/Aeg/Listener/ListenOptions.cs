using System.Net;
using Aeg.Cef;
using Aeg.Configuration;
using Aeg.Syslog;

namespace Aeg.Listener;

/// <summary>The <c>listen:</c> section: the syslog listeners and limits shared by all of them (docs/listener.md).</summary>
public sealed class ListenOptions
{
    /// <summary>The listeners to start; none means <c>aeg listen</c> has nothing to do.</summary>
    public List<ListenerOptions> Listeners { get; set; } = [];

    /// <summary>Distinct sender addresses counted one by one; further senders share the "other" counters.</summary>
    public int MaxSenders { get; set; } = SenderRegistry.DefaultMaxSenders;

    /// <summary>On stop, how long connections may keep reading what their senders already sent.</summary>
    public TimeSpan StopDrainTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Every problem with these options, keys prefixed with <paramref name="keyPrefix"/> (e.g. <c>listen</c>).</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (MaxSenders is < 1 or > 1_000_000)
        {
            yield return new ConfigProblem($"{keyPrefix}.maxSenders", "must be 1–1000000");
        }

        if (StopDrainTimeout < TimeSpan.Zero || StopDrainTimeout > TimeSpan.FromMinutes(1))
        {
            yield return new ConfigProblem($"{keyPrefix}.stopDrainTimeout", "must be 0s–1m");
        }

        var seen = new HashSet<(SyslogProtocol, string, int)>();
        for (var i = 0; i < Listeners.Count; i++)
        {
            var listener = Listeners[i];
            var key = $"{keyPrefix}.listeners[{i}]";
            if (listener is null)
            {
                yield return new ConfigProblem(key, "is empty");
                continue;
            }

            foreach (var problem in listener.Validate(key))
            {
                yield return problem;
            }

            var transport = listener.Protocol == SyslogProtocol.Udp ? SyslogProtocol.Udp : SyslogProtocol.Tcp;
            if (listener.EffectivePort != 0 && !seen.Add((transport, listener.Address, listener.EffectivePort)))
            {
                yield return new ConfigProblem($"{key}.port", $"another listener already uses {listener.Address}:{listener.EffectivePort} for {transport}");
            }
        }
    }
}

/// <summary>One syslog listener: transport, where it binds, limits, TLS and the sender allow-list.</summary>
public sealed class ListenerOptions
{
    /// <summary>Largest maxFrameSize for UDP: no datagram is larger (65,507 bytes of IPv4 payload).</summary>
    public const int MaxUdpFrameSize = 64 * 1024;

    /// <summary>udp, tcp or tls (RFC 5425).</summary>
    public SyslogProtocol Protocol { get; set; } = SyslogProtocol.Tcp;

    /// <summary>Local address to bind; 0.0.0.0 (all IPv4 interfaces) by default, <c>::</c> for IPv6 and IPv4.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>Port; when unset 514 for udp/tcp and 6514 for tls. 0 picks a free port (for tests).</summary>
    public int? Port { get; set; }

    /// <summary>Largest frame handed on (bytes, without framing); larger ones are counted and skipped.</summary>
    public int MaxFrameSize { get; set; } = SyslogFrameReader.DefaultMaxFrameSize;

    /// <summary>TCP/TLS: open connections at most; more are closed at once and counted as refused.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Default of <see cref="SenderMessagesPerSecond"/> for UDP, which can only drop; TCP and TLS have no limit by default.</summary>
    public const int DefaultUdpSenderMessagesPerSecond = 50_000;

    /// <summary>
    /// Messages per second one sender (source IP) may send to this listener (token bucket); 0 turns
    /// the limit off; unset means <see cref="DefaultUdpSenderMessagesPerSecond"/> for UDP and no limit
    /// for TCP/TLS, where flow control already paces a sender to what the listener can take.
    /// </summary>
    public int? SenderMessagesPerSecond { get; set; }

    /// <summary>Messages one sender may send at once before <see cref="SenderMessagesPerSecond"/> applies (the bucket size).</summary>
    public int SenderBurst { get; set; } = 100_000;

    /// <summary>Kernel receive buffer (SO_RCVBUF) in bytes; the OS default when unset. Worth raising for UDP.</summary>
    public int? ReceiveBufferSize { get; set; }

    /// <summary>TLS: PEM file with the server certificate (and optionally its chain).</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>TLS: PEM private key of the certificate; when unset the key is read from the certificate file.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>TLS: PEM CA bundle that client certificates must chain to; the system store when unset.</summary>
    public string? TlsClientCaFile { get; set; }

    /// <summary>TLS: refuse clients without a valid certificate.</summary>
    public bool TlsRequireClientCertificate { get; set; }

    /// <summary>TLS: a handshake not finished in this time closes the connection.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Oldest TLS version a sender may use: tls12 (default) or tls13.</summary>
    public TlsMinimumVersion TlsMinVersion { get; set; } = TlsMinimumVersion.Tls12;

    /// <summary>Sender addresses or CIDR networks allowed to send; empty allows everyone.</summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>The rate limit in effect (<see cref="SenderMessagesPerSecond"/> or the protocol's default); 0 for none.</summary>
    public int EffectiveSenderMessagesPerSecond => SenderMessagesPerSecond ?? (Protocol == SyslogProtocol.Udp ? DefaultUdpSenderMessagesPerSecond : 0);

    /// <summary>The port in effect (the protocol's default when <see cref="Port"/> is unset).</summary>
    public int EffectivePort => Port ?? (Protocol == SyslogProtocol.Tls ? 6514 : 514);

    /// <summary>Name used in logs and counters, e.g. <c>tcp/0.0.0.0:514</c>.</summary>
    public string Name => $"{Protocol.ToString().ToLowerInvariant()}/{Address}:{EffectivePort}";

    /// <summary>Every problem with this listener's options, keys prefixed with <paramref name="key"/>.</summary>
    public IEnumerable<ConfigProblem> Validate(string key)
    {
        if (!Enum.IsDefined(Protocol))
        {
            yield return new ConfigProblem($"{key}.protocol", "must be udp, tcp or tls");
        }

        if (!IPAddress.TryParse(Address, out _))
        {
            yield return new ConfigProblem($"{key}.address", $"'{Address}' is not an IP address (0.0.0.0 for all IPv4 interfaces, :: for all)");
        }

        if (Port is < 0 or > 65535)
        {
            yield return new ConfigProblem($"{key}.port", "must be 0–65535");
        }

        var maxFrame = Protocol == SyslogProtocol.Udp ? MaxUdpFrameSize : 64 * 1024 * 1024;
        if (MaxFrameSize < 1 || MaxFrameSize > maxFrame)
        {
            yield return new ConfigProblem($"{key}.maxFrameSize", $"must be 1–{maxFrame} for {Protocol.ToString().ToLowerInvariant()}");
        }

        if (MaxConnections < 1)
        {
            yield return new ConfigProblem($"{key}.maxConnections", "must be at least 1");
        }

        if (SenderMessagesPerSecond is < 0 or > 10_000_000)
        {
            yield return new ConfigProblem($"{key}.senderMessagesPerSecond", "must be 0 (no limit) to 10000000");
        }

        if (SenderBurst is < 1 or > 100_000_000)
        {
            yield return new ConfigProblem($"{key}.senderBurst", "must be 1–100000000");
        }

        if (ReceiveBufferSize is < 1024)
        {
            yield return new ConfigProblem($"{key}.receiveBufferSize", "must be at least 1024 bytes");
        }

        for (var i = 0; i < Allow.Count; i++)
        {
            if (!SenderAllowList.TryParseEntry(Allow[i], out _))
            {
                yield return new ConfigProblem($"{key}.allow[{i}]", $"'{Allow[i]}' is not an IP address or CIDR network such as 10.0.0.0/8");
            }
        }

        if (Protocol == SyslogProtocol.Tls)
        {
            if (string.IsNullOrEmpty(TlsCertificateFile))
            {
                yield return new ConfigProblem($"{key}.tlsCertificateFile", "is required for tls");
            }
            else if (!File.Exists(TlsCertificateFile))
            {
                yield return new ConfigProblem($"{key}.tlsCertificateFile", $"file not found: {TlsCertificateFile}");
            }

            foreach (var (file, name) in new[] { (TlsKeyFile, "tlsKeyFile"), (TlsClientCaFile, "tlsClientCaFile") })
            {
                if (!string.IsNullOrEmpty(file) && !File.Exists(file))
                {
                    yield return new ConfigProblem($"{key}.{name}", $"file not found: {file}");
                }
            }

            if (TlsHandshakeTimeout <= TimeSpan.Zero)
            {
                yield return new ConfigProblem($"{key}.tlsHandshakeTimeout", "must be positive");
            }
        }
        else if (!string.IsNullOrEmpty(TlsCertificateFile) || !string.IsNullOrEmpty(TlsKeyFile) || !string.IsNullOrEmpty(TlsClientCaFile) || TlsRequireClientCertificate
                 || TlsMinVersion != TlsMinimumVersion.Tls12)
        {
            yield return new ConfigProblem($"{key}.protocol", "tls* keys are set but the protocol is not tls");
        }
    }

    /// <summary>Turns relative file paths into absolute ones, relative to <paramref name="baseDir"/>.</summary>
    public void ResolvePaths(string baseDir)
    {
        TlsCertificateFile = Resolve(TlsCertificateFile);
        TlsKeyFile = Resolve(TlsKeyFile);
        TlsClientCaFile = Resolve(TlsClientCaFile);
        string? Resolve(string? path) => string.IsNullOrEmpty(path) ? path : Path.GetFullPath(path, baseDir);
    }
}
