using Aeg.Configuration;
using Aeg.Daemon;

namespace Aeg.Cli;

/// <summary>
/// Where <c>aeg simulate</c> writes: an aeg.yaml (its <c>database:</c> section and password
/// source) or a <c>mysql://user@host:port/database?sslMode=None</c> address whose password
/// comes from an environment variable or a file — never from the command line.
/// </summary>
public static class SimulationTarget
{
    /// <summary>The database options; throws <see cref="ConfigException"/> naming what is wrong.</summary>
    public static (DatabaseOptions Options, string Password) Resolve(string db, string? passwordEnv, string? passwordFile)
    {
        if (!db.StartsWith("mysql://", StringComparison.OrdinalIgnoreCase))
        {
            var config = AegConfig.Load(db);
            if (passwordEnv is not null || passwordFile is not null)
            {
                throw new ConfigException("--db", "--password-env", "the password source is the config's database.passwordEnv/passwordFile when --db is a config file");
            }
            return (config.Database, DatabasePassword.Resolve(config.Database, db));
        }
        var options = Parse(db);
        options.PasswordEnv = passwordEnv;
        options.PasswordFile = passwordFile is null ? null : Path.GetFullPath(passwordFile);
        if (passwordEnv is not null && passwordFile is not null)
        {
            throw new ConfigException("--db", "--password-env", "give --password-env or --password-file, not both");
        }
        return (options, DatabasePassword.Resolve(options, "--db"));
    }

    /// <summary>Parses the <c>mysql://</c> address; a password in it is refused (it would show in <c>ps</c>).</summary>
    public static DatabaseOptions Parse(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new ConfigException("--db", "--db", "expected mysql://user@host[:port]/database[?sslMode=None] or the path of an aeg.yaml");
        }
        var user = Uri.UnescapeDataString(uri.UserInfo);
        if (user.Contains(':'))
        {
            throw new ConfigException("--db", "--db", "a password in the address is not accepted (other users can read command lines); use --password-env or --password-file");
        }
        var options = new DatabaseOptions
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 3306 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
        };
        if (user.Length > 0)
        {
            options.User = user;
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.IndexOf('=') is var i and > 0 ? (pair[..i], Uri.UnescapeDataString(pair[(i + 1)..])) : (pair, "");
            if (key.Equals("sslMode", StringComparison.OrdinalIgnoreCase))
            {
                options.SslMode = value;
            }
            else
            {
                throw new ConfigException("--db", "--db", $"unknown parameter '{key}' (only sslMode)");
            }
        }
        var problems = options.Validate("database").ToList();
        return problems.Count == 0 ? options : throw new ConfigException("--db", problems);
    }
}
