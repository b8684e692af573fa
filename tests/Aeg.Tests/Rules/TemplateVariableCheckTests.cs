using Aeg.Configuration;
using Aeg.Rules;

namespace Aeg.Tests.Rules;

/// <summary>Template variables and condition fields must name keys events carry: checked at load, with file, rule and name.</summary>
public class TemplateVariableCheckTests
{
    private static string Rule(string subject, string condition = "{ field: src, exists: true }", string dedupe = "{{src}}") => $$"""
        rules:
          - name: brute
            when: [{{condition}}]
            dedupe: "{{dedupe}}"
            actions: [{ target: rt, create: { Queue: SOC, Subject: "{{subject}}" } }]
        """;

    [Fact]
    public void An_unknown_key_in_a_template_fails_the_load_naming_file_rule_key_and_variable()
    {
        using var files = new RuleTestFiles();
        var path = files.Write("brute.yaml", Rule("x {{nonsense_key}} y"));
        var ex = Assert.Throws<ConfigException>(() => RuleLoader.Load(path, RuleTestFiles.Targets));
        Assert.Equal(path, ex.File);
        var problem = Assert.Single(ex.Problems);
        Assert.Equal("rules[0].actions[0].create.Subject", problem.Key);
        Assert.Contains("rule 'brute'", problem.Reason);
        Assert.Contains("{{nonsense_key}}", problem.Reason);
        Assert.Contains("unknown CEF key 'nonsense_key'", problem.Reason);
        Assert.Contains("rules.extensionKeys", problem.Reason);
        Assert.StartsWith($"{path}: rules[0].actions[0].create.Subject: rule 'brute'", ex.Message);
    }

    [Theory]
    [InlineData("sourceAddress", "src")]
    [InlineData("destinationUserName", "duser")]
    [InlineData("deviceCustomString3", "cs3")]
    [InlineData("deviceCustomNumber2Label", "cn2Label")]
    [InlineData("message", "msg")]
    [InlineData("cd1", "deviceCustomDate1")]
    public void A_full_name_where_events_carry_the_short_key_or_the_reverse_says_which_to_write(string written, string wire)
    {
        var ex = Load(Rule($"{{{{{written}}}}}"));
        var problem = Assert.Single(ex.Problems);
        Assert.Contains($"'{written}' is not a key events carry", problem.Reason);
        Assert.Contains($"write {{{{{wire}}}}}", problem.Reason);
    }

    [Fact]
    public void A_key_differing_only_in_case_is_named()
    {
        var problem = Assert.Single(Load(Rule("{{Src}}")).Problems);
        Assert.Contains("did you mean 'src'", problem.Reason);
    }

    [Fact]
    public void Dedupe_templates_and_condition_fields_are_checked_too()
    {
        var ex = Load(Rule("ok {{src}}", condition: "{ field: sourceAddress, exists: true }", dedupe: "{{nonsense_key}}"));
        Assert.Contains(ex.Problems, p => p.Key == "rules[0].when[0].field" && p.Reason.Contains("write {{src}}"));
        Assert.Contains(ex.Problems, p => p.Key == "rules[0].dedupe" && p.Reason.Contains("nonsense_key"));
    }

    [Theory]
    [InlineData("{{src}} {{dst}} {{suser|?}} {{eventId}} {{type}} {{externalId}}")]
    [InlineData("{{cs1}} {{cs6Label}} {{cn3}} {{cfp4}} {{c6a1}} {{flexString2}} {{flexNumber1}} {{deviceCustomDate2}}")]
    [InlineData("{{ad.arcSightEventPath}} {{ad.field[0]}} {{label:stage}} {{name}} {{severity}} {{syslog.host}} {{raw}}")]
    [InlineData("{{categorySignificance}} {{mrt}} {{deviceSeverity}} {{sourceGeoCountryCode}}")]
    public void Dictionary_custom_additional_data_header_and_label_variables_load(string subject)
    {
        using var files = new RuleTestFiles();
        var rules = RuleLoader.Load(files.Write("ok.yaml", Rule(subject)), RuleTestFiles.Targets);
        Assert.Equal("brute", Assert.Single(rules).Name);
    }

    [Fact]
    public void A_site_key_listed_in_extension_keys_loads()
    {
        using var files = new RuleTestFiles();
        var path = files.Write("site.yaml", Rule("{{vendorRiskScore}}"));
        Assert.Throws<ConfigException>(() => RuleLoader.Load(path, RuleTestFiles.Targets));
        var rules = RuleLoader.Load(path, RuleTestFiles.Targets, ["vendorRiskScore"]);
        Assert.Single(rules);
    }

    [Fact]
    public void Extension_keys_that_are_not_extension_keys_are_config_errors()
    {
        var options = new RulesOptions { ExtensionKeys = ["good_key", "bad key!", "deviceVendor"] };
        var problems = options.Validate("rules").ToList();
        Assert.Equal(["rules.extensionKeys[1]", "rules.extensionKeys[2]"], problems.Select(p => p.Key));
    }

    private static ConfigException Load(string yaml)
    {
        using var files = new RuleTestFiles();
        return Assert.Throws<ConfigException>(() => RuleLoader.Load(files.Write("r.yaml", yaml), RuleTestFiles.Targets));
    }
}

/// <summary><c>reopen: true</c>: loaded onto the rule, carried in the update work, refused for targets that cannot reopen.</summary>
public class ReopenRuleTests
{
    private const string Yaml = """
        rules:
          - name: r
            reopen: true
            when: [{ field: src, exists: true }]
            dedupe: "{{src}}"
            actions: [{ target: TARGET, create: { Queue: SOC, Subject: x } }]
        """;

    [Fact]
    public void Reopen_is_carried_in_the_work_and_stripped_from_the_fields_sent()
    {
        var rule = Assert.Single(RuleTestFiles.Compile(Yaml.Replace("TARGET", "rt")));
        Assert.True(rule.Reopen);
        var work = Assert.Single(CefRuleHandler.Render(rule, CefEvent.Parse("CEF:0|a|b|1|c|d|5|src=10.0.0.1"u8), "?", DateTimeOffset.UnixEpoch));
        Assert.True(work.Reopen);
        Assert.Null(work.UpdateFields);   // no update fields of its own: only the reopen
        var plain = new Aeg.Tickets.TicketWork("r", "rt", "k", null, new Dictionary<string, string> { ["Comment"] = "c" }, "", DateTimeOffset.UnixEpoch);
        Assert.False(plain.Reopen);
        Assert.Equal(["Comment"], plain.UpdateFields!.Keys);
    }

    [Fact]
    public void Reopen_on_a_webhook_target_is_a_load_error()
    {
        var ex = Assert.Throws<ConfigException>(() => RuleTestFiles.Compile(Yaml.Replace("TARGET", "hook").Replace("Queue: SOC, Subject: x", "a: b")));
        Assert.Contains(ex.Problems, p => p.Key == "rules[0].reopen" && p.Reason.Contains("only Request Tracker and Jira"));
    }
}
