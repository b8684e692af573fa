namespace Aeg.Syslog;

/// <summary>Describes a syslog destination for logs and errors (never carries secrets).</summary>
internal static class SyslogDestination
{
    /// <summary>e.g. <c>tcp://esm-conn:514 (rfc3164, octet-counting)</c> or <c>udp://10.0.0.5:514 (rfc5424)</c>.</summary>
    public static string Describe(SyslogOutputOptions options)
    {
        var scheme = options.Protocol.ToString().ToLowerInvariant();
        var host = options.Host.Contains(':') ? $"[{options.Host}]" : options.Host;
        var format = options.Format.ToString().ToLowerInvariant();
        if (options.Protocol == SyslogProtocol.Udp)
            return $"{scheme}://{host}:{options.Port} ({format})";
        var framing = options.Framing == SyslogFraming.OctetCounting ? "octet-counting" : "lf";
        return $"{scheme}://{host}:{options.Port} ({format}, {framing})";
    }
}
