using Aeg.Configuration;
using Aeg.Tickets;
using Aeg.Tickets.Store;
using Serilog;

namespace Aeg.Daemon;

/// <summary>Opens the store <c>tickets.store</c> names: the SQLite file in the state directory, or the shared MariaDB tables.</summary>
public static class OutboxDatabases
{
    /// <summary>
    /// The configured store. MariaDB uses the <c>database:</c> server and account with <c>ha.database</c> as schema and
    /// waits (retrying with backoff) while the server is down; a missing database or grant throws <see cref="ConfigException"/>.
    /// </summary>
    public static IOutboxDatabase Open(AegOptions options, string configFile, ILogger log, CancellationToken cancellationToken = default)
    {
        if (options.Tickets.Store != TicketStoreKind.Mariadb)
        {
            return new SqliteOutboxDatabase(TicketStore.DefaultPath(options.State.Directory));
        }
        var password = DatabasePassword.Resolve(options.Database, configFile);
        try
        {
            return MariaDbOutboxDatabase.Open(options.Database, password, options.Ha.Database, log, cancellationToken);
        }
        catch (OutboxStoreException ex)
        {
            throw new ConfigException(configFile, "tickets.store", ex.Message);
        }
    }
}
