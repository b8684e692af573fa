using Serilog;

namespace Aeg.Syslog;

/// <summary>Creates the <see cref="ISyslogSender"/> that <see cref="SyslogOutputOptions.Protocol"/> asks for.</summary>
public static class SyslogSenderFactory
{
    /// <summary>Validates the options and returns an unconnected sender (it connects on the first send).</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem by YAML key.</exception>
    /// <exception cref="InvalidOperationException">A TLS CA or client certificate file cannot be read.</exception>
    public static ISyslogSender Create(SyslogOutputOptions options, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate("").ToList();
        if (problems.Count > 0)
            throw new ArgumentException("invalid syslog options: " + string.Join("; ", problems.Select(p => $"{p.Key}: {p.Reason}")), nameof(options));

        return options.Protocol == SyslogProtocol.Udp
            ? new UdpSyslogSender(options, log)
            : new TcpSyslogSender(options, log);
    }
}
