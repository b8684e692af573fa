using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Aeg.Syslog;

/// <summary>Builds the TLS client settings (trust, server name, client certificate) from <see cref="SyslogOutputOptions"/>.</summary>
internal static class SyslogTlsClientOptions
{
    /// <summary>
    /// Reads the CA bundle and client certificate once, so a bad file fails at start-up with its
    /// path rather than at every connect.
    /// </summary>
    /// <exception cref="InvalidOperationException">A file is missing or is not PEM of the right kind.</exception>
    public static SslClientAuthenticationOptions Create(SyslogOutputOptions options)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            TargetHost = options.TlsServerName ?? options.Host,
            EnabledSslProtocols = TlsVersions.Enabled(options.TlsMinVersion),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };

        if (options.TlsInsecureSkipVerify)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (options.TlsCaFile is { } caFile)
        {
            ssl.CertificateChainPolicy = PemFiles.CustomRootPolicy(caFile, "syslog.tlsCaFile");
        }

        if (options.TlsClientCertFile is { } certFile)
            ssl.ClientCertificates = [PemFiles.LoadCertificate(certFile, options.TlsClientKeyFile, "syslog.tlsClientCertFile")];

        return ssl;
    }
}
