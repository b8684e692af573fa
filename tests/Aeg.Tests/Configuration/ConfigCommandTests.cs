using System.Text.RegularExpressions;
using Aeg.Configuration;
using Aeg.Daemon;

namespace Aeg.Tests.Configuration;

/// <summary>content/config/aeg.example.yaml, the one source of <c>aeg config example</c>: every key named, and the check passes.</summary>
public sealed class ConfigCommandTests
{
    [Fact]
    public void The_example_names_every_configuration_key_and_passes_the_check()
    {
        var example = File.ReadAllText(TestServices.RepoFile("content/config/aeg.example.yaml"));
        var keys = new SortedSet<string>();
        Docs.ConfigurationDocsTests.Collect(typeof(AegOptions), "", keys, []);
        // Keys under a named ticket system appear as `tickets.systems.<name>.…`; any mention of the last segment counts.
        var missing = keys.Where(k => !Regex.IsMatch(example, @"(^|[\s#{,-])" + Regex.Escape(k[(k.LastIndexOf('.') + 1)..]) + ":", RegexOptions.Multiline)).ToList();
        Assert.True(missing.Count == 0, "aeg.example.yaml does not mention: " + string.Join(", ", missing));

        var findings = ConfigChecker.Check(TestServices.RepoFile("content/config/aeg.example.yaml"), out var summary);
        // The only possible finding: the example's password variable is not set in the test's environment.
        Assert.All(findings, f => Assert.Equal(("database.passwordEnv", "environment variable AEG_DB_PASSWORD is not set"), (f.Key, f.Reason)));
        Assert.Contains("fields", summary);
    }
}
