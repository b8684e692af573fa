using System.Net.Sockets;
using System.Security.Authentication;

namespace Aeg.Syslog;

/// <summary>Which exceptions mean the syslog connection failed, and how to say why in one line.</summary>
internal static class SyslogTransportError
{
    /// <summary>True for the errors a connect, handshake or write can raise on a broken connection.</summary>
    public static bool Is(Exception e) =>
        e is IOException or SocketException or AuthenticationException or TimeoutException or ObjectDisposedException;

    /// <summary>The reason for a log line: the socket error code where there is one, a hint for common TLS mistakes.</summary>
    public static string Describe(Exception e) => e switch
    {
        SocketException s => $"{s.SocketErrorCode}: {s.Message}",
        IOException { InnerException: SocketException s } => $"{s.SocketErrorCode}: {s.Message}",
        AuthenticationException a => $"TLS handshake failed: {a.Message}{(a.InnerException is { } inner ? $" ({inner.Message})" : "")}{TlsHint(a.Message)}",
        _ => e.Message,
    };

    private static string TlsHint(string message) =>
        message.Contains("RemoteCertificateNameMismatch", StringComparison.Ordinal)
            ? "; the certificate does not name tlsServerName (or host)"
            : message.Contains("certificate chain", StringComparison.Ordinal)
                ? "; is tlsCaFile the CA that issued the receiver's certificate?"
                : "";
}
