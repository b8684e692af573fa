using Aeg.Syslog;

namespace Aeg.Annotations;

/// <summary>Creates the syslog sender for the configured protocol.</summary>
public static class SyslogSenderFactory
{
    public static ISyslogSender Create(SyslogOutputOptions options) =>
        throw new NotSupportedException($"syslog protocol {options.Protocol}: the sender is not built in yet (branch syslog)");
}
