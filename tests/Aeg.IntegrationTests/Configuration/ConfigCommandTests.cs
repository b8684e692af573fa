using System.Text.RegularExpressions;
using Aeg.Configuration;
using Aeg.IntegrationTests.Infrastructure;

namespace Aeg.IntegrationTests.Configuration;

/// <summary><c>aeg config example</c> (one source: content/config/aeg.example.yaml) and <c>aeg config check</c> (every problem, file and key).</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-config-check-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Config_example_prints_the_example_file_byte_for_byte()
    {
        var (exit, stdout, _) = await Aeg("config", "example");
        Assert.Equal(0, exit);
        Assert.Equal(File.ReadAllText(TestServices.RepoFile("content/config/aeg.example.yaml")), stdout);
        Assert.Equal(stdout, BuiltInFiles.Example());
    }

    [Fact]
    public async Task Config_check_lists_every_problem_of_config_mappings_rules_and_secrets_with_file_and_key_and_exits_2()
    {
        var config = Write("aeg.yaml", """
            database:
              port: 70000
              passwordEnv: AEG_CHECK_TEST_UNSET_VARIABLE
            poller:
              interval: 10ms
            mappings: bad-mappings.yaml
            rules:
              path: rules
            logging:
              retainedFiles: 0
            """);
        var mappings = Write("bad-mappings.yaml", File.ReadAllText(TestServices.RepoFile("cef-mappings.yaml")).Replace("defaultSeverity: \"Unknown\"", "defaultSeverity: \"Extreme\""));
        Directory.CreateDirectory(Path.Combine(_dir, "rules"));
        var badRegex = Write("rules/a.yaml", """
            rules:
              - name: one
                when: [{ field: src, regex: "(" }]
                actions: [{ target: rt, create: { Subject: x } }]
            """);
        var unknownKey = Write("rules/b.yaml", """
            rules:
              - name: two
                colour: red
            """);

        var (exit, stdout, _) = await Aeg("config", "check", "--config", config);
        Assert.Equal(2, exit);
        Assert.Contains($"{config}: database.port: ", stdout);
        Assert.Contains($"{config}: poller.interval: must be at least 200ms", stdout);
        Assert.Contains($"{config}: logging.retainedFiles: must be at least 1", stdout);
        Assert.Contains($"{config}: database.passwordEnv: environment variable AEG_CHECK_TEST_UNSET_VARIABLE is not set", stdout);
        Assert.Contains($"{mappings}: header.defaultSeverity", stdout);
        Assert.Matches(Regex.Escape(badRegex) + @": rules\[0\]\.when\[0\]\.regex: ", stdout);
        Assert.Contains($"{unknownKey}: rules[0].colour: unknown key 'colour'", stdout);
        var problems = stdout.Split('\n').Count(l => l.StartsWith(_dir, StringComparison.Ordinal));
        Assert.Contains($"{problems} problem(s) found", stdout);
    }

    [Fact]
    public async Task Config_check_of_a_good_config_prints_ok_and_exits_0()
    {
        File.Copy(TestServices.RepoFile("cef-mappings.yaml"), Path.Combine(_dir, "cef-mappings.yaml"));
        var config = Write("aeg.yaml", $"rules:\n  path: {TestServices.RepoFile("content/rules")}\ntickets:\n  systems:\n    rt: {{ type: rt, url: 'http://127.0.0.1:1', tokenEnv: HOME }}\n");
        var (exit, stdout, _) = await Aeg("config", "check", "--config", config);
        Assert.True(exit == 0, stdout);
        Assert.Matches(@"^OK: .*rules: \d+ rule\(s\) in 3 file\(s\)", stdout);
    }

    [Fact]
    public async Task Config_check_of_unparsable_yaml_names_the_line()
    {
        var config = Write("aeg.yaml", "database:\n  host: [unclosed\n");
        var (exit, stdout, _) = await Aeg("config", "check", "--config", config);
        Assert.Equal(2, exit);
        Assert.StartsWith($"{config}: ", stdout);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static Task<AegRun> Aeg(params string[] args) => AegProcess.RunAsync(args);
}
