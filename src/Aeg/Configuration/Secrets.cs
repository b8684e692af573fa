namespace Aeg.Configuration;

/// <summary>Where one secret comes from: an environment variable or a file, with the config keys that name each.</summary>
public readonly record struct SecretSource(string? Env, string? File, string EnvKey, string FileKey)
{
    /// <summary>True when either source is configured.</summary>
    public bool IsSet => Env is { Length: > 0 } || File is { Length: > 0 };

    /// <summary>The problem when both sources are set (keyed on the environment key), else null.</summary>
    public ConfigProblem? NotBoth() => Env is { Length: > 0 } && File is { Length: > 0 }
        ? new ConfigProblem(EnvKey, $"set {LastSegment(EnvKey)} or {LastSegment(FileKey)}, not both")
        : null;

    private static string LastSegment(string key) => key[(key.LastIndexOf('.') + 1)..];
}

/// <summary>
/// The one reader of secrets (database password, ticket-system credentials, the HTTP token): from an
/// environment variable or the first line of a file, never from the config file or the command line.
/// Errors name the file, the key and the reason, never the value.
/// </summary>
public static class Secrets
{
    /// <summary>
    /// The raw value (the variable, or the file's first line), or null when neither source is set.
    /// A relative file path is taken against the config file's folder.
    /// </summary>
    public static string? ReadOptional(SecretSource source, string configFile)
    {
        if (source.Env is { Length: > 0 } env)
        {
            return Registered(Environment.GetEnvironmentVariable(env)
                ?? throw new ConfigException(configFile, source.EnvKey, $"environment variable {env} is not set"));
        }
        if (source.File is not { Length: > 0 } file)
        {
            return null;
        }
        var path = Path.GetFullPath(file, ConfigFolder(configFile));
        try
        {
            using var reader = new StreamReader(path);
            return Registered(reader.ReadLine() ?? "");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var why = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                _ => ex.GetType().Name,
            };
            throw new ConfigException(configFile, source.FileKey, $"cannot read {file}: {why}");
        }
    }

    // Every secret read is known to the scrubber of logs, errors and dead letters from then on.
    private static string Registered(string value)
    {
        SecretRegistry.Shared.Add(value);
        SecretRegistry.Shared.Add(value.Trim());
        return value;
    }

    /// <summary>The trimmed value; a source that is missing or yields an empty value is an error.</summary>
    public static string ReadRequired(SecretSource source, string configFile)
    {
        var value = ReadOptional(source, configFile)?.Trim()
            ?? throw new ConfigException(configFile, source.EnvKey, "no secret configured");
        return value.Length > 0
            ? value
            : throw new ConfigException(configFile, source.Env is { Length: > 0 } ? source.EnvKey : source.FileKey, "the secret is empty");
    }

    /// <summary>
    /// A warning when users other than Aeg's could read the secret file (every user, or a group the
    /// process is not in), else null; <paramref name="subject"/> says which file it is (e.g.
    /// <c>password file</c>). Without <paramref name="configFile"/> a relative path is taken against
    /// the working directory.
    /// </summary>
    /// <remarks>A root-owned file in Aeg's group (<c>root:aeg 0640</c>) is private to Aeg: root keeps it, Aeg reads it.</remarks>
    public static string? PermissionWarning(string? file, string subject, string? configFile = null)
    {
        if (OperatingSystem.IsWindows() || file is not { Length: > 0 })
        {
            return null;
        }
        var path = Path.GetFullPath(file, ConfigFolder(configFile));
        if (!System.IO.File.Exists(path) || SecretFileAccess.OtherReaders(path) is not { } readers)
        {
            return null;
        }
        var mode = Convert.ToString((int)System.IO.File.GetUnixFileMode(path), 8);
        return $"{subject} {file} is {readers} (mode {mode}); run chmod 600 on it, or chmod 640 with group aeg (root:aeg)";
    }

    private static string ConfigFolder(string? configFile) =>
        configFile is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(configFile)) ?? ".";
}
