using Aeg.Analytics;
using Aeg.Analytics.Cases;

namespace Aeg.IntegrationTests.Analytics;

/// <summary><c>aeg report</c> as a process with an ESM case history: the "ESM cases per owner" section in table, CSV, JSON and HTML.</summary>
public sealed class CaseReportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-case-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_case_section_shows_each_owners_time_to_close_in_every_format()
    {
        var config = Path.Combine(_dir, "aeg.yaml");
        File.WriteAllText(config, $"state: {{ directory: {Path.Combine(_dir, "state")} }}\nmappings: {TestServices.RepoFile("cef-mappings.yaml")}\n");
        var db = Path.Combine(_dir, "state", "analytics.db");
        _ = new AnalyticsStore(db);
        var t0 = DateTimeOffset.Parse("2026-10-05T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        const long M = 60_000;
        // Two polls: case X opened by ana and closed by ben 45 minutes later; case Y first moved after 5 minutes by ana.
        var store = new CaseHistoryStore(db, new CaseDurations(["Final", "Closed"], "Queued"));
        store.Record([new CaseSnapshot("X", t0, t0 + M, "QUEUED", "ana"), new CaseSnapshot("Y", t0, t0 + M, "QUEUED", "ana")]);
        store.Record([new CaseSnapshot("X", t0, t0 + (45 * M), "CLOSED", "ben"), new CaseSnapshot("Y", t0, t0 + (5 * M), "INITIAL", "ana")]);
        string[] period = ["--config", config, "--from", "2026-10-01", "--to", "2026-11-01"];

        var table = await AegProcess.RunAsync(["report", .. period]);
        Assert.Equal(0, table.Exit);
        Assert.Contains("ESM cases per owner", table.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"ben\s+1\s+45m 00s\s+45m 00s\s+45m 00s\s+1\s+45m 00s", table.Stdout);

        var csv = await AegProcess.RunAsync(["report", .. period, "--format", "csv"]);
        Assert.Contains("\r\nana,0,,,,1,300,300,300\r\n", csv.Stdout, StringComparison.Ordinal);
        Assert.Contains("\r\nben,1,2700,2700,2700,1,2700,2700,2700\r\n", csv.Stdout, StringComparison.Ordinal);

        var json = await AegProcess.RunAsync(["report", .. period, "--format", "json", "--html", Path.Combine(_dir, "report.html")]);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var owners = doc.RootElement.GetProperty("cases").GetProperty("owners");
        Assert.Equal(["ana", "ben"], owners.EnumerateArray().Select(o => o.GetProperty("owner").GetString()).ToArray());
        Assert.Equal(2700, owners[1].GetProperty("timeToClose").GetProperty("medianSeconds").GetDouble());
        Assert.Contains("ESM cases per owner", File.ReadAllText(Path.Combine(_dir, "report.html")), StringComparison.Ordinal);

        // Outside the period: no case section.
        var before = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-09-01", "--to", "2026-10-01"]);
        Assert.DoesNotContain("ESM cases", before.Stdout, StringComparison.Ordinal);
    }
}
