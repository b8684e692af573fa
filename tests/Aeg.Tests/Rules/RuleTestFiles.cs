using Aeg.Rules;

namespace Aeg.Tests.Rules;

/// <summary>Writes rule YAML to a temporary folder and compiles it, for tests.</summary>
internal sealed class RuleTestFiles : IDisposable
{
    public static readonly IReadOnlyDictionary<string, string> Targets = new Dictionary<string, string>
    {
        ["rt"] = "rt",
        ["jira"] = "jira",
        ["extrahop"] = "extrahop",
        ["hook"] = "webhook",
    };

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "aeg-rules-" + Guid.NewGuid().ToString("N")[..8]);

    public RuleTestFiles() => System.IO.Directory.CreateDirectory(Directory);

    public string Write(string name, string yaml)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>An aeg.yaml with the shipped mappings, a state directory here and one TCP listener on a free loopback port.</summary>
    public string WriteListenerConfig() => Write("aeg.yaml", $"""
        mappings: {TestServices.RepoFile("cef-mappings.yaml")}
        state:
          directory: {Directory}/state
        listen:
          listeners: [{"{"} protocol: tcp, address: 127.0.0.1, port: 0 {"}"}]
        """);

    /// <summary>Keys outside the CEF dictionary that the matcher tests' events carry (as <c>rules.extensionKeys</c> would list them).</summary>
    public static readonly string[] TestKeys = ["cs10", "k", "empty"];

    /// <summary>Compiles one rule file's text.</summary>
    public static IReadOnlyList<Rule> Compile(string yaml)
    {
        using var files = new RuleTestFiles();
        return RuleLoader.Load(files.Write("rules.yaml", yaml), Targets, TestKeys);
    }

    /// <summary>A matcher for one rule with the given conditions (YAML flow mappings, one per line).</summary>
    public static RuleMatcher MatcherFor(params string[] conditions)
    {
        var yaml = "rules:\n  - name: r\n    when:\n"
            + string.Concat(conditions.Select(c => "      - " + c + "\n"))
            + "    dedupe: \"{{raw}}\"\n    actions:\n      - target: hook\n        create: { x: y }\n";
        return new RuleMatcher(Compile(yaml));
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
