using Aeg.Configuration;
using Serilog;

namespace Aeg.Esm;

/// <summary>Builds the ESM Service Layer client from the <c>esm:</c> section: reads the password (environment or file, never the config).</summary>
public static class EsmService
{
    /// <summary>The client; throws <see cref="ConfigException"/> naming the key when the section or the password is missing.</summary>
    public static EsmClient CreateClient(EsmOptions options, string configFile, ILogger log, HttpMessageHandler? handler = null)
    {
        if (!options.IsConfigured)
        {
            throw new ConfigException(configFile, "esm.url", "is not set: the ESM Service Layer is not configured");
        }
        var password = Secrets.ReadRequired(options.Password("esm"), configFile);
        try
        {
            return new EsmClient(options, password, log, handler);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is not null)
        {
            // A CA file that cannot be read (PemFiles names key and file).
            throw new ConfigException(configFile, "esm.caFile", ex.Message);
        }
    }

    /// <summary>A warning when users other than Aeg's could read the password file, else null.</summary>
    public static string? PermissionWarning(EsmOptions options) => Secrets.PermissionWarning(options.PasswordFile, "esm: password file");
}
