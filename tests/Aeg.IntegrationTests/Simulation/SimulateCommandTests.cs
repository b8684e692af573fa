using System.Data.Common;
using Aeg.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Simulation;

/// <summary><c>aeg simulate</c> as a user runs it: the built executable writing into a real MariaDB.</summary>
public sealed class SimulateCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Simulate_creates_the_schema_and_works_every_event_to_final_or_closed()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, stderr) = await RunSimulate(db.Name, "--create-schema", "--events", "40", "--analysts", "3", "--speed", "max", "--seed", "9", "--progress-seconds", "0.1");
        output.WriteLine(stderr);
        Assert.Equal(0, exit);
        Assert.Contains("Simulated 40/40 events finished (100%)", stderr);
        Assert.DoesNotContain(Password, stderr);

        await using var connection = await db.OpenConnectionAsync();
        var rows = await Rows(connection);
        Assert.Equal(40, rows.Count);
        var analysts = new HashSet<string> { "alice", "bob", "carol" };
        foreach (var row in rows)
        {
            Assert.Contains(row.Stage, new[] { "Final", "Closed" });
            Assert.Contains(row.ModifiedBy, analysts);
            var lines = row.AuditTrail.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
            // One audit line per version: the Queued line of the insert and one per edit.
            Assert.Equal(row.Version, lines.Count);
            Assert.All(lines, l => Assert.Equal(8, l.Split(',').Length));
            Assert.Equal($"{row.Stage}", lines[0].Split(',')[3]);
            Assert.Equal(row.ModifiedBy, lines[0].Split(',')[2]);
            Assert.Equal("root,Queued", string.Join(',', lines[^1].Split(',')[2..4]));
            Assert.True(row.ModificationTime >= lines.Take(lines.Count - 1).Max(l => long.Parse(l.Split(',')[1])));
        }
        Assert.Contains(rows, r => r.Comment is not null && r.Comment.Any(c => c > 127));
        Assert.Contains(rows, r => r.Flags != 0);
    }

    [Fact]
    public async Task A_second_run_continues_after_the_highest_event_id_and_reuses_the_analysts_and_tables()
    {
        await using var db = await TestDatabase.CreateAsync(TestServices.RepoFile("content/esm/schema.sql"));
        var first = await RunSimulate(db.Name, "--events", "5", "--speed", "max");
        Assert.True(first.Exit == 0, first.Stderr);
        // --create-schema on a database that has the tables leaves them (and their rows) alone.
        var second = await RunSimulate(db.Name, "--events", "7", "--speed", "max", "--create-schema");
        Assert.True(second.Exit == 0, second.Stderr);

        await using var connection = await db.OpenConnectionAsync();
        Assert.Equal(Enumerable.Range(1001, 12).Select(i => (long)i), (await Rows(connection)).Select(r => r.EventId).Order());
        await using var users = connection.CreateCommand();
        users.CommandText = "SELECT COUNT(*) FROM arc_resource WHERE resource_type = 2";
        Assert.Equal(6L, Convert.ToInt64(await users.ExecuteScalarAsync()));
    }

    [Fact]
    public async Task Without_the_schema_it_fails_with_a_hint_and_exit_code_1()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, stderr) = await RunSimulate(db.Name, "--events", "5", "--speed", "max");
        Assert.Equal(1, exit);
        Assert.Contains("--create-schema", stderr);
    }

    private const string Password = "aeg-test";

    private async Task<(int Exit, string Stderr)> RunSimulate(string database, params string[] args)
    {
        var builder = TestServices.MySqlFactory.CreateConnectionStringBuilder()!;
        builder.ConnectionString = TestServices.MySqlConnectionString;
        string[] target = ["simulate", "--db", $"mysql://{builder["User ID"]}@{builder["Server"]}:{builder["Port"]}/{database}?sslMode=None",
            "--password-env", "AEG_SIMULATE_TEST_PASSWORD"];
        var run = await AegProcess.RunAsync([.. target, .. args],
            new Dictionary<string, string> { ["AEG_SIMULATE_TEST_PASSWORD"] = (string)builder["Password"] }, timeout: Deadline);
        return (run.Exit, run.Stderr);
    }

    private sealed record Row(long EventId, int Version, string Stage, string ModifiedBy, string AuditTrail, string? Comment, int Flags, long ModificationTime);

    private static async Task<List<Row>> Rows(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT a.event_id, a.version, s.name, u.name, a.audit_trail, a.current_comment, a.flags, a.modification_time
            FROM arc_event_annotation a JOIN arc_resource s ON s.id = a.stage LEFT JOIN arc_resource u ON u.id = a.modified_by
            """;
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? "" : reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), reader.GetInt64(7)));
        }
        return rows;
    }
}
