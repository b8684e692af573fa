using System.Data.Common;
using Aeg.Configuration;
using MySqlConnector;

namespace Aeg.Annotations;

/// <summary>Opens connections to the ESM database. The only place that names the ADO.NET provider.</summary>
public sealed class AnnotationDatabase(DatabaseOptions options, string password)
{
    /// <summary>The provider: MySqlConnector.</summary>
    public static DbProviderFactory Provider => MySqlConnectorFactory.Instance;

    public DatabaseOptions Options { get; } = options;

    /// <summary>Where the database is, safe to log (no password).</summary>
    public string Description => $"mysql://{Options.User}@{Options.Host}:{Options.Port}/{Options.Database}";

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(ConnectionString(), cancellationToken);

    /// <summary>
    /// A connection that is never pooled: session state bound to it (a <c>GET_LOCK</c> lease, a
    /// session <c>wait_timeout</c>) must end when it is closed, not live on in the pool.
    /// </summary>
    public Task<DbConnection> OpenDedicatedAsync(CancellationToken cancellationToken)
    {
        var b = Provider.CreateConnectionStringBuilder()!;
        b.ConnectionString = ConnectionString();
        b["Pooling"] = false;
        return OpenAsync(b.ConnectionString, cancellationToken);
    }

    /// <summary>Opens a connection with the provider, disposing it when opening fails (the test kit opens its databases with it too).</summary>
    internal static async Task<DbConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = Provider.CreateConnection()!;
        connection.ConnectionString = connectionString;
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return connection;
    }

    public DbCommand CreateCommand(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = (int)Math.Ceiling(Options.CommandTimeout.TotalSeconds);
        return command;
    }

    public static DbParameter AddParameter(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
        return p;
    }

    internal string ConnectionString()
    {
        var b = Provider.CreateConnectionStringBuilder()!;
        b["Server"] = Options.Host;
        b["Port"] = Options.Port;
        b["Database"] = Options.Database;
        b["User ID"] = Options.User;
        b["Password"] = password;
        b["SslMode"] = Options.SslMode;
        b["Connection Timeout"] = (int)Math.Ceiling(Options.ConnectTimeout.TotalSeconds);
        b["Default Command Timeout"] = (int)Math.Ceiling(Options.CommandTimeout.TotalSeconds);
        b["Character Set"] = "utf8mb4";
        // Columns as the server types them: a CHAR(36) stage or user column is text, not a Guid (whose
        // parse fails on any other text), and a TINYINT(1) flags column keeps its value, not a bool.
        b["GUID Format"] = "None";
        b["Treat Tiny As Boolean"] = false;
        return b.ConnectionString;
    }
}
