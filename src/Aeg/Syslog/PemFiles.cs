using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Aeg.Syslog;

/// <summary>
/// Loads the PEM files of syslog over TLS (RFC 5425), for the sender and the listener alike, with
/// errors that name the configuration key, the file and the reason — never key material.
/// </summary>
/// <remarks>
/// Errors are <see cref="InvalidOperationException"/>s whose inner exception is the I/O or
/// cryptographic cause, so a command can tell a bad TLS file from a bug.
/// </remarks>
public static class PemFiles
{
    /// <summary>A certificate and its private key (<paramref name="keyFile"/> null: the key is in the certificate file).</summary>
    public static X509Certificate2 LoadCertificate(string certFile, string? keyFile, string key)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certFile, string.IsNullOrEmpty(keyFile) ? null : keyFile);
        }
        catch (Exception e) when (IsFileProblem(e))
        {
            throw new InvalidOperationException($"{key}: cannot load certificate {certFile} with key {keyFile ?? certFile}: {e.Message}", e);
        }
    }

    /// <summary>Every certificate in a PEM file (a CA bundle, or a certificate with its intermediates); an empty file is an error.</summary>
    public static X509Certificate2Collection LoadCertificates(string path, string key)
    {
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(path);
        }
        catch (Exception e) when (IsFileProblem(e))
        {
            throw new InvalidOperationException($"{key}: cannot read {path}: {e.Message}", e);
        }

        if (bundle.Count == 0)
        {
            throw new InvalidOperationException($"{key}: no PEM certificate in {path}", new CryptographicException("no PEM certificate"));
        }

        return bundle;
    }

    /// <summary>A chain policy that trusts only the CAs in <paramref name="caFile"/> (no revocation check: syslog peers are often offline).</summary>
    public static X509ChainPolicy CustomRootPolicy(string caFile, string key)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(LoadCertificates(caFile, key));
        return policy;
    }

    /// <summary>True for the causes <see cref="PemFiles"/> wraps: a missing, unreadable or malformed file.</summary>
    public static bool IsFileProblem(Exception e)
        => e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException;
}
