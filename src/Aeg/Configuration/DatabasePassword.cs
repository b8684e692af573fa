namespace Aeg.Configuration;

/// <summary>The database password through <see cref="Secrets"/>, with the <c>database.*</c> keys.</summary>
public static class DatabasePassword
{
    /// <summary>The password, or empty when none is configured; throws <see cref="ConfigException"/> naming the key.</summary>
    public static string Resolve(DatabaseOptions db, string configFile) => Secrets.ReadOptional(db.Password("database"), configFile) ?? "";

    /// <summary>A warning when the password file can be read by every user, else null.</summary>
    public static string? WorldReadableWarning(DatabaseOptions db) => Secrets.PermissionWarning(db.PasswordFile, "password file");
}
