namespace Aeg.IntegrationTests.Cli;

/// <summary>
/// <c>aeg rules test</c> as a CI job runs it (the executable): exit 1 when an event matches no
/// rule, 0 when every event matches or with <c>--allow-no-match</c>.
/// </summary>
public sealed class RulesTestProcessTests : IDisposable
{
    private const string Brute = "CEF:0|ArcSight|ArcSight|7.6|rule:1|Brute|8|eventId=9 src=1.2.3.4";
    private const string Other = "CEF:0|Palo Alto Networks|PAN-OS|10.2|end|TRAFFIC|1|src=10.1.2.3";

    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-rules-test-").FullName;
    private readonly string _config;

    public RulesTestProcessTests()
    {
        _config = Path.Combine(_dir, "aeg.yaml");
        // The webhook is never called: rules test only renders what it would send.
        File.WriteAllText(_config, $$"""
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            rules: { path: {{Path.Combine(_dir, "rules.yaml")}} }
            tickets:
              systems:
                hook: { type: webhook, url: "http://127.0.0.1:9/", auth: none }
            """);
        File.WriteAllText(Path.Combine(_dir, "rules.yaml"), """
            rules:
              - name: brute
                when:
                  - { field: name, equals: Brute }
                dedupe: "esm-event-{{eventId}}"
                actions:
                  - target: hook
                    create: { summary: "{{name}}" }
            """);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task EveryEventMatchedExitsZero()
    {
        var (exit, stdout, stderr) = await RunAsync("--event", Brute, "--event", Brute);

        Assert.Equal(0, exit);
        Assert.Equal(2, CountOf(stdout, "rule brute: MATCH"));
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task AnEventThatMatchesNoRuleExitsOneAndIsNamed()
    {
        var (exit, stdout, stderr) = await RunAsync("--event", Brute, "--event", Other, "--event", "not cef");

        Assert.Equal(1, exit);
        Assert.Equal(1, CountOf(stdout, "rule brute: MATCH"));
        Assert.Equal("2 of 3 event(s) matched no rule: event 2, 3 (--allow-no-match exits 0 anyway)", stderr.Trim());
    }

    [Fact]
    public async Task AllowNoMatchKeepsExitZero()
    {
        var (exit, stdout, stderr) = await RunAsync("--event", Other, "--allow-no-match");

        Assert.Equal(0, exit);
        Assert.Contains("rule brute: no match", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    private Task<AegRun> RunAsync(params string[] args) => AegProcess.RunAsync(["rules", "test", "--config", _config, .. args]);

    private static int CountOf(string text, string part) => text.Split('\n').Count(l => l.Contains(part, StringComparison.Ordinal));
}
