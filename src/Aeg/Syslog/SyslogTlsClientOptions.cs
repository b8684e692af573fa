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
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };

        if (options.TlsInsecureSkipVerify)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (options.TlsCaFile is { } caFile)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(LoadCaBundle(caFile));
            ssl.CertificateChainPolicy = policy;
        }

        if (options.TlsClientCertFile is { } certFile)
            ssl.ClientCertificates = [LoadClientCertificate(certFile, options.TlsClientKeyFile)];

        return ssl;
    }

    private static X509Certificate2Collection LoadCaBundle(string path)
    {
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidOperationException($"syslog.tlsCaFile: cannot read {path}: {e.Message}", e);
        }

        if (bundle.Count == 0)
            throw new InvalidOperationException($"syslog.tlsCaFile: no PEM certificate in {path}");
        return bundle;
    }

    private static X509Certificate2 LoadClientCertificate(string certFile, string? keyFile)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The message names files and the PEM problem, never key material.
            throw new InvalidOperationException(
                $"syslog.tlsClientCertFile: cannot load certificate {certFile} with key {keyFile ?? certFile}: {e.Message}", e);
        }
    }
}
