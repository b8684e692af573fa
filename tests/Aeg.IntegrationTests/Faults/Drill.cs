using Aeg.IntegrationTests.Annotations;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Faults;

/// <summary>The figures a fault drill reports (quoted in docs/reliability.md).</summary>
internal sealed record DrillResult(string Drill, long Expected, long Emitted, long Duplicated, long Lost, string Notes)
{
    /// <summary>Counts every id once as expected, and what arrived (a list with repeats) as emitted.</summary>
    public static DrillResult FromIds(string drill, IEnumerable<long> expected, IReadOnlyList<long> received, string notes)
    {
        var want = expected.ToHashSet();
        var got = received.ToHashSet();
        return new DrillResult(drill, want.Count, received.Count, received.Count - got.Count, want.Count(id => !got.Contains(id)), notes);
    }

    public void Print(ITestOutputHelper output) =>
        output.WriteLine($"DRILL {Drill}: expected={Expected} emitted={Emitted} duplicated={Duplicated} lost={Lost}; {Notes}");
}

/// <summary>Helpers the drills share: the aeg.yaml of a drill and aeg started with its password.</summary>
internal static class Drill
{
    public const string PasswordVariable = "AEG_FAULT_DB_PASSWORD";

    /// <summary>Starts aeg (<see cref="AegProcess"/>) with the database password in <see cref="PasswordVariable"/>.</summary>
    public static AegProcess StartAeg(string[] args, string dbPassword, string[]? wrapper = null) =>
        AegProcess.Start(args, Password(dbPassword), wrapper);

    /// <summary>Runs aeg to completion (3 min at most) with the database password in <see cref="PasswordVariable"/>.</summary>
    public static Task<AegRun> RunAegAsync(string[] args, string dbPassword, string[]? wrapper = null) =>
        AegProcess.RunAsync(args, Password(dbPassword), wrapper);

    /// <summary>Writes an aeg.yaml for <paramref name="db"/> and a TCP/LF syslog destination; <paramref name="extra"/> is appended as is.</summary>
    public static string WriteConfig(string path, TestDatabase db, string stateDirectory, int syslogPort, int batchSize,
        string interval = "1s", string extra = "")
    {
        var o = db.Options;
        File.WriteAllText(path, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: {{PasswordVariable}}, sslMode: None }
            poller: { batchSize: {{batchSize}}, firstStart: beginning, interval: {{interval}}, retryMinDelay: 50ms, retryMaxDelay: 500ms }
            state: { directory: {{stateDirectory}} }
            syslog: { host: 127.0.0.1, port: {{syslogPort}}, protocol: tcp, framing: lf, reconnectMinDelay: 20ms, reconnectMaxDelay: 200ms, connectTimeout: 2s }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            hostName: aeg-fault.example.com
            {{extra}}
            """);
        return path;
    }

    private static Dictionary<string, string> Password(string dbPassword) => new() { [PasswordVariable] = dbPassword };
}
