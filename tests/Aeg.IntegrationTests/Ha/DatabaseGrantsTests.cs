using Aeg.IntegrationTests.Annotations;

namespace Aeg.IntegrationTests.Ha;

/// <summary>Least privilege against the real MariaDB: <c>aeg test-connection</c> warns for an account that can write to the ESM database.</summary>
public sealed class DatabaseGrantsTests
{
    [Fact]
    public async Task Test_connection_warns_for_a_writing_account_and_not_for_the_documented_read_only_grant()
    {
        await using var h = await PollerHarness.CreateAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string reader = "aeg_ro_" + suffix, writer = "aeg_rw_" + suffix, password = "pw-" + Guid.NewGuid().ToString("N");
        var db = h.Db.Name;
        await AdminAsync($"""
            CREATE DATABASE `aeg_own_{suffix}`;
            CREATE USER '{reader}'@'%' IDENTIFIED BY '{password}';
            GRANT SELECT ON `{db}`.arc_event_annotation TO '{reader}'@'%';
            GRANT SELECT ON `{db}`.arc_resource TO '{reader}'@'%';
            GRANT ALL ON `aeg_own_{suffix}`.* TO '{reader}'@'%';
            CREATE USER '{writer}'@'%' IDENTIFIED BY '{password}';
            GRANT SELECT, INSERT, UPDATE ON `{db}`.* TO '{writer}'@'%';
            """);
        try
        {
            var (readOnlyExit, readOnly) = await TestConnectionAsync(h, reader, password, haDatabase: $"aeg_own_{suffix}");
            Assert.True(readOnlyExit == 0, readOnly);
            // ha.enabled: Aeg's own database is checked too, and its table created with the documented grant.
            Assert.Contains("state table created", readOnly);
            Assert.Contains("lease: free", readOnly);
            Assert.Contains($"grant: GRANT SELECT ON `{db}`.`arc_event_annotation`", readOnly);
            Assert.DoesNotContain("WARNING", readOnly);
            Assert.Contains("poll query: works", readOnly);

            var (writerExit, writing) = await TestConnectionAsync(h, writer, password);
            Assert.True(writerExit == 0, writing);
            Assert.Contains($"WARNING: this account can write to the ESM database: INSERT, UPDATE on `{db}`.*", writing);
            Assert.DoesNotContain(password, readOnly + writing);
        }
        finally
        {
            await AdminAsync($"DROP USER IF EXISTS '{reader}'@'%'; DROP USER IF EXISTS '{writer}'@'%'; DROP DATABASE IF EXISTS `aeg_own_{suffix}`");
        }
    }

    private static async Task<(int Exit, string Output)> TestConnectionAsync(PollerHarness h, string user, string password, string? haDatabase = null)
    {
        var ha = haDatabase is null ? "" : $"ha: {{ enabled: true, database: {haDatabase}, lockName: aeg-lease-{haDatabase} }}\n";
        var o = h.Db.Options;
        var config = Path.Combine(h.StateDirectory, $"{user}.yaml");
        File.WriteAllText(config, $"""
            database: {"{"} host: {o.Host}, port: {o.Port}, database: {o.Database}, user: {user}, passwordEnv: AEG_GRANT_DB_PASSWORD, sslMode: None {"}"}
            state: {"{"} directory: {h.StateDirectory} {"}"}
            syslog: {"{"} host: 127.0.0.1, port: 514, protocol: udp {"}"}
            mappings: {TestServices.RepoFile("cef-mappings.yaml")}

            """ + ha);
        using var p = AegProcess.Start(["test-connection", "--config", config], new Dictionary<string, string> { ["AEG_GRANT_DB_PASSWORD"] = password });
        var exit = await p.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return (exit, p.Output);
    }

    private static async Task AdminAsync(string sql)
    {
        await using var c = TestServices.MySqlFactory.CreateConnection()!;
        c.ConnectionString = TestServices.MySqlConnectionString;
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
