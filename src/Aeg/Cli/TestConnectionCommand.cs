using System.CommandLine;
using System.Data.Common;
using System.Net.Sockets;
using Aeg.Annotations;
using Aeg.Daemon;
using Aeg.State;
using Aeg.Syslog;

namespace Aeg.Cli;

/// <summary><c>aeg test-connection</c>: checks the database (query, grants, row count, newest row) and the syslog destination.</summary>
internal static class TestConnectionCommand
{
    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var command = new Command("test-connection", "Check the database and the syslog destination and print what was found.") { config, debug };
        command.SetAction((parse, cancellationToken) => AnnotationCommandOptions.WithHost(parse, config, debug, async host =>
        {
            var ok = await CheckDatabase(host, Console.Out, cancellationToken);
            ok &= !host.Options.Ha.Enabled || await Ha.HaConnectionCheck.RunAsync(host.Database, host.Options.Ha, Console.Out, cancellationToken);
            ok &= await CheckSyslog(host.Options.Syslog, Console.Out, cancellationToken);
            ok &= CheckStateDirectory(host.Options.State.Directory, Console.Out);
            Console.Out.WriteLine(ok ? "RESULT: all checks passed" : "RESULT: some checks FAILED");
            return ok ? AnnotationCommandOptions.ExitOk : AnnotationCommandOptions.ExitFailed;
        }));
        return command;
    }

    internal static async Task<bool> CheckDatabase(AegHost host, TextWriter output, CancellationToken cancellationToken)
    {
        var db = host.Database;
        output.WriteLine($"database: {db.Description}");
        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            output.WriteLine($"  connected, server version {connection.ServerVersion}");
            var query = new AnnotationQuery(host.Options.Source);

            var grantLines = new List<string>();
            await using (var grants = db.CreateCommand(connection, "SHOW GRANTS"))
            await using (var reader = await grants.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var grant = Redact(reader.GetString(0));
                    grantLines.Add(grant);
                    output.WriteLine($"  grant: {grant}");
                }
            }
            foreach (var w in DatabaseGrants.WritesTo(grantLines, DatabaseGrants.EsmSchemas(host.Options.Database, host.Options.Source)))
            {
                output.WriteLine($"  WARNING: this account can write to the ESM database: {string.Join(", ", w.Privileges)} on {w.On}; " +
                    "Aeg needs only SELECT there (content/esm/README.md)");
            }

            await using (var count = db.CreateCommand(connection, query.Count))
            {
                output.WriteLine($"  rows in {host.Options.Source.Table}: {await count.ExecuteScalarAsync(cancellationToken)}");
            }

            var source = host.CreateSource();
            var newest = false;
            await using (var cmd = db.CreateCommand(connection, query.Newest))
            await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    newest = true;
                    output.WriteLine($"  newest row: event_id={reader.GetValue(AnnotationQuery.EventId)} version={reader.GetValue(AnnotationQuery.Version)} " +
                        $"modification_time={reader.GetValue(AnnotationQuery.ModificationTime)} stage={ValueOrNull(reader, AnnotationQuery.StageName)}");
                }
            }
            if (!newest)
            {
                output.WriteLine("  newest row: (table is empty)");
            }

            var read = 0;
            await foreach (var _ in source.ReadAfterAsync(AnnotationCursor.Beginning, 1, cancellationToken))
            {
                read++;
            }
            output.WriteLine($"  poll query: works ({read} row read): {query.After}");
            return true;
        }
        catch (DbException ex)
        {
            output.WriteLine($"  FAILED: {PollFailures.Describe(ex)}");
            return false;
        }
    }

    internal static async Task<bool> CheckSyslog(SyslogOutputOptions syslog, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine($"syslog: {syslog.Protocol.ToString().ToLowerInvariant()}://{syslog.Host}:{syslog.Port} ({syslog.Format})");
        if (syslog.Protocol == SyslogProtocol.Udp)
        {
            output.WriteLine("  UDP is connectionless: reachability cannot be checked; run `aeg emit-sample` and look for the event in ESM");
            return true;
        }
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(syslog.ConnectTimeout);
        try
        {
            await client.ConnectAsync(syslog.Host, syslog.Port, timeout.Token);
            output.WriteLine("  TCP connection accepted");
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            output.WriteLine($"  FAILED: cannot connect ({(ex is SocketException s ? s.SocketErrorCode.ToString() : "timeout")})");
            return false;
        }
    }

    internal static bool CheckStateDirectory(string directory, TextWriter output)
    {
        output.WriteLine($"state directory: {directory}");
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, ".aeg-write-test");
            AtomicFile.Write(probe, "ok"u8);
            File.Delete(probe);
            output.WriteLine("  writable");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"  FAILED: not writable ({ex.GetType().Name})");
            return false;
        }
    }

    private static string ValueOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? "NULL" : reader.GetValue(ordinal).ToString() ?? "";

    // SHOW GRANTS can include a password hash; never print it.
    private static string Redact(string grant)
    {
        var i = grant.IndexOf(" IDENTIFIED BY", StringComparison.OrdinalIgnoreCase);
        return i < 0 ? grant : grant[..i] + " IDENTIFIED BY <redacted>";
    }
}
