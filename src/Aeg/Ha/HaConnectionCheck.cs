using System.Data.Common;
using System.Globalization;
using Aeg.Annotations;

namespace Aeg.Ha;

/// <summary><c>aeg test-connection</c> with <c>ha.enabled</c>: Aeg's own database, its state table, and who holds the lease.</summary>
public static class HaConnectionCheck
{
    public static async Task<bool> RunAsync(AnnotationDatabase database, HaOptions ha, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine($"active/standby: lease '{ha.LockName}', state in `{ha.Database}`.`{SharedStateStore.TableName}`, takeover {ha.Takeover.TotalSeconds:0}s");
        try
        {
            await using var connection = await database.OpenDedicatedAsync(cancellationToken);
            if (Convert.ToInt64(Scalar(connection, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @p", ha.Database), CultureInfo.InvariantCulture) == 0)
            {
                output.WriteLine($"  FAILED: database `{ha.Database}` does not exist or this account cannot see it; see content/esm/README.md for the CREATE DATABASE and GRANT");
                return false;
            }
            var table = Convert.ToInt64(Scalar(connection,
                $"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = @p AND TABLE_NAME = '{SharedStateStore.TableName}'", ha.Database),
                CultureInfo.InvariantCulture) > 0;
            if (!table)
            {
                // Aeg's own database: creating the table here proves the grant the first active instance needs.
                Scalar(connection, SharedStateStore.CreateTableSql(ha.Database), null);
                output.WriteLine("  state table created");
            }
            else
            {
                output.WriteLine("  state table present");
            }
            var holder = Scalar(connection, "SELECT IS_USED_LOCK(@p)", ha.LockName);
            output.WriteLine(holder is DBNull or null ? "  lease: free (no instance is active)" : $"  lease: held by connection {holder}");
            return true;
        }
        catch (DbException ex)
        {
            output.WriteLine($"  FAILED: {PollFailures.Describe(ex)}");
            return false;
        }
    }

    private static object? Scalar(DbConnection connection, string sql, string? parameter)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (parameter is not null)
        {
            AnnotationDatabase.AddParameter(command, "@p", parameter);
        }
        return command.ExecuteScalar();
    }
}
