namespace Aeg.Configuration;

/// <summary>Reads the database password from the environment or a file, never the command line.</summary>
public static class DatabasePassword
{
    /// <summary>The password, or empty when none is configured; throws <see cref="ConfigException"/> naming the key.</summary>
    public static string Resolve(DatabaseOptions db, string configFile)
    {
        if (db.PasswordEnv is { Length: > 0 } env)
        {
            return Environment.GetEnvironmentVariable(env)
                ?? throw new ConfigException(configFile, "database.passwordEnv", $"environment variable {env} is not set");
        }
        if (db.PasswordFile is { Length: > 0 } file)
        {
            try
            {
                using var reader = new StreamReader(file);
                return reader.ReadLine() ?? "";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException(configFile, "database.passwordFile", $"cannot read {file}: {ex.GetType().Name}");
            }
        }
        return "";
    }

    /// <summary>A warning when the password file can be read by every user, else null.</summary>
    public static string? WorldReadableWarning(DatabaseOptions db)
    {
        if (OperatingSystem.IsWindows() || db.PasswordFile is not { Length: > 0 } file || !File.Exists(file))
        {
            return null;
        }
        var mode = File.GetUnixFileMode(file);
        return (mode & (UnixFileMode.OtherRead | UnixFileMode.GroupRead)) != 0
            ? $"password file {file} is readable by group or other users (mode {Convert.ToString((int)mode, 8)}); run chmod 600 on it"
            : null;
    }
}
