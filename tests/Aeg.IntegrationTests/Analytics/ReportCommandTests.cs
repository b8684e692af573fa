
namespace Aeg.IntegrationTests.Analytics;

/// <summary><c>aeg report</c> as a process: bad input is a clear error, a missing history an empty report that creates nothing.</summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config()
    {
        var path = Path.Combine(_dir, "aeg.yaml");
        File.WriteAllText(path, $"state: {{ directory: {Path.Combine(_dir, "state")} }}\nmappings: {TestServices.RepoFile("cef-mappings.yaml")}\n");
        return path;
    }

    [Fact]
    public async Task A_bad_period_exits_2_with_the_option_named()
    {
        var config = Config();
        var bad = await AegProcess.RunAsync(["report", "--config", config, "--from", "last tuesday"]);
        Assert.Equal(2, bad.Exit);
        Assert.Contains("--from: 'last tuesday' is not an ISO 8601 time", bad.Stderr);

        var reversed = await AegProcess.RunAsync(["report", "--config", config, "--from", "2026-11-02", "--to", "2026-11-01"]);
        Assert.Equal(2, reversed.Exit);
        Assert.Contains("--from must be before --to", reversed.Stderr);

        File.AppendAllText(config, "analytics: { finalStages: [] }\n");
        var invalid = await AegProcess.RunAsync(["report", "--config", config]);
        Assert.Equal(2, invalid.Exit);
        Assert.Contains("analytics.finalStages: must name at least one stage", invalid.Stderr);
    }

    [Fact]
    public async Task Without_a_history_the_report_is_empty_and_creates_no_state()
    {
        var (exit, stdout, stderr) = await AegProcess.RunAsync(["report", "--config", Config(), "--format", "json"]);
        Assert.Equal(0, exit);
        Assert.Contains("No analytics history at", stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(0, doc.RootElement.GetProperty("analysts").GetArrayLength());
        Assert.False(Directory.Exists(Path.Combine(_dir, "state")));
    }
}
