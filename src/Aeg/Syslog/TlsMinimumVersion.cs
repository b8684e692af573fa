using System.Security.Authentication;

namespace Aeg.Syslog;

/// <summary>The oldest TLS version a syslog connection (out or in) accepts; RFC 5425 requires 1.2 at least.</summary>
public enum TlsMinimumVersion
{
    Tls12,
    Tls13,
}

/// <summary>Maps <see cref="TlsMinimumVersion"/> to the protocols SslStream may negotiate.</summary>
internal static class TlsVersions
{
    public static SslProtocols Enabled(TlsMinimumVersion minimum) => minimum switch
    {
        TlsMinimumVersion.Tls13 => SslProtocols.Tls13,
        _ => SslProtocols.Tls12 | SslProtocols.Tls13,
    };
}
