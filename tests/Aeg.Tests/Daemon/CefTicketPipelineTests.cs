using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Rules;
using Aeg.Tests.Rules;

namespace Aeg.Tests.Daemon;

public class CefTicketPipelineTests
{
    private static ConfigException CreateFails(string yamlBody)
    {
        using var files = new RuleTestFiles();
        var config = files.Write("aeg.yaml", $"mappings: {TestServices.RepoFile("cef-mappings.yaml")}\nstate:\n  directory: {files.Directory}/state\n" + yamlBody);
        var options = AegConfig.Load(config);
        return Assert.Throws<ConfigException>(() => CefTicketPipeline.Create(options, config, new LogCapture().Logger));
    }

    [Fact]
    public void Without_listeners_the_pipeline_refuses_to_start_naming_the_key()
    {
        var ex = CreateFails("rules:\n  path: " + TestServices.RepoFile("content/rules") + "\n");
        Assert.Contains(ex.Problems, p => p.Key == "listen.listeners" && p.Reason.Contains("no listener"));
    }

    [Fact]
    public void A_rule_naming_a_ticket_system_missing_from_the_config_stops_the_start_with_the_rule_file()
    {
        var ex = CreateFails($"""
            listen:
              listeners: [{"{"} protocol: tcp, address: 127.0.0.1, port: 0 {"}"}]
            rules:
              path: {TestServices.RepoFile("content/rules")}
            tickets:
              systems:
                jira: {"{"} type: jira, url: "http://127.0.0.1:9", user: u, passwordEnv: AEG_NOT_USED {"}"}
            """);
        Assert.EndsWith("annotation-closed.yaml", ex.File);
        Assert.Contains(ex.Problems, p => p.Key == "rules[0].actions[0].target" && p.Reason.Contains("unknown ticket system 'rt' (known: jira)"));
    }
}
