using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Aeg.Syslog;

namespace Aeg.Listener;

/// <summary>Builds the TLS server settings of a listener from its PEM files (RFC 5425: TLS 1.2 at least).</summary>
internal static class ListenerTls
{
    public static SslServerAuthenticationOptions CreateServerOptions(ListenerOptions options)
    {
        var certFile = options.TlsCertificateFile ?? throw new InvalidOperationException("tlsCertificateFile is required for tls");
        var certificate = PemFiles.LoadCertificate(certFile, options.TlsKeyFile, $"listener {options.Name}: tlsCertificateFile");
        var chain = PemFiles.LoadCertificates(certFile, $"listener {options.Name}: tlsCertificateFile");
        var intermediates = new X509Certificate2Collection();
        foreach (var c in chain)
        {
            if (c.Thumbprint != certificate.Thumbprint)
            {
                intermediates.Add(c);
            }
        }

        var server = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, intermediates, offline: true),
            EnabledSslProtocols = TlsVersions.Enabled(options.TlsMinVersion),
            ClientCertificateRequired = options.TlsRequireClientCertificate || !string.IsNullOrEmpty(options.TlsClientCaFile),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };

        if (!string.IsNullOrEmpty(options.TlsClientCaFile))
        {
            server.CertificateChainPolicy = PemFiles.CustomRootPolicy(options.TlsClientCaFile, $"listener {options.Name}: tlsClientCaFile");
        }

        var require = options.TlsRequireClientCertificate;
        server.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is null ? !require : errors == SslPolicyErrors.None;
        return server;
    }
}
