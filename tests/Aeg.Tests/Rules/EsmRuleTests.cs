using System.Text;
using Aeg.Configuration;
using Aeg.Rules;

namespace Aeg.Tests.Rules;

/// <summary><c>enrich: esm</c> and <c>{{esm.path}}</c> in rule files: where they may appear, and how they render without an event.</summary>
public sealed class EsmRuleTests
{
    private static ConfigException Fails(string yaml)
    {
        using var files = new RuleTestFiles();
        return Assert.Throws<ConfigException>(() => RuleLoader.Load(files.Write("r.yaml", yaml), RuleTestFiles.Targets));
    }

    private const string Good = """
        rules:
          - name: esm-correlated
            when: [{ field: deviceVendor, equals: ArcSight }]
            enrich: esm
            dedupe: "esm-event-{{eventId}}"
            actions:
              - target: rt
                create: { Queue: SOC, Subject: "{{name}} from {{esm.source.address|unknown source}}", CF.Zone: "{{esm.originalAgent.zone.uri}}" }
        """;

    [Fact]
    public void A_rule_with_enrich_esm_reads_nested_paths_and_defaults_to_eventId_then_externalId()
    {
        var rule = Assert.Single(RuleTestFiles.Compile(Good));

        Assert.Equal(["eventId", "externalId"], rule.Enrichment!.EventIdFields.Select(f => f.Name));
        var template = rule.Actions[0].Create!.Single(f => f.Key == "CF.Zone").Value;
        Assert.Equal(FieldKind.Esm, Assert.Single(template.Variables).Field.Kind);
        Assert.Equal("originalAgent.zone.uri", template.Variables.Single().Field.Name);
    }

    [Fact]
    public void Without_the_ESM_event_esm_variables_render_their_default_or_the_ESM_marker()
    {
        var rule = Assert.Single(RuleTestFiles.Compile(Good));
        var cef = CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|ArcSight|ArcSight|7.0|rule:101|Brute force|5|eventId=198236"));

        var work = Assert.Single(CefRuleHandler.Render(rule, cef, "(none)", DateTimeOffset.UnixEpoch, "(not in ESM event)"));

        Assert.Equal("esm-event-198236", work.DedupeKey);
        Assert.Equal("Brute force from unknown source", work.OnCreate!["Subject"]);
        Assert.Equal("(not in ESM event)", work.OnCreate["CF.Zone"]);
        Assert.Equal(198236, rule.Enrichment!.EventId(cef));
    }

    [Fact]
    public void The_event_id_comes_from_the_first_field_holding_a_whole_number()
    {
        var rule = Assert.Single(RuleTestFiles.Compile(Good));

        Assert.Equal(42, rule.Enrichment!.EventId(CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|a|b|1|c|d|5|eventId=abc externalId=42"))));
        Assert.Null(rule.Enrichment.EventId(CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|a|b|1|c|d|5|src=10.0.0.1"))));
    }

    [Theory]
    [InlineData("when: [{ field: esm.name, equals: x }]", "rules[0].when[0].field", "fetched after matching")]
    [InlineData("dedupe: \"{{esm.eventId}}\"", "rules[0].dedupe", "before the ESM event is fetched")]
    [InlineData("enrich: splunk", "rules[0].enrich", "the only one is 'esm'")]
    [InlineData("eventIdFields: [\"no such key!\"]", "rules[0].eventIdFields[0]", "not a CEF header field")]
    public void Misplaced_esm_use_is_reported_with_its_key_path(string line, string key, string reason)
    {
        var yaml = Good.Replace("    enrich: esm\n", "    enrich: esm\n    " + line + "\n", StringComparison.Ordinal);
        if (line.StartsWith("when", StringComparison.Ordinal))
        {
            yaml = yaml.Replace("    when: [{ field: deviceVendor, equals: ArcSight }]\n", "", StringComparison.Ordinal);
        }
        else if (line.StartsWith("dedupe", StringComparison.Ordinal))
        {
            yaml = yaml.Replace("    dedupe: \"esm-event-{{eventId}}\"\n", "", StringComparison.Ordinal);
        }
        else if (line.StartsWith("enrich", StringComparison.Ordinal))
        {
            yaml = yaml.Replace("    enrich: esm\n    enrich", "    enrich", StringComparison.Ordinal);
        }

        var ex = Fails(yaml);

        Assert.Contains(ex.Problems, p => p.Key == key && p.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Esm_variables_without_enrich_esm_are_an_error_naming_the_fix()
    {
        var ex = Fails(Good.Replace("    enrich: esm\n", "", StringComparison.Ordinal));

        Assert.Contains(ex.Problems, p => p.Key == "rules[0].enrich" && p.Reason.Contains("add 'enrich: esm'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_path_that_cannot_parse_is_an_error_but_an_unknown_path_is_not()
    {
        Assert.Single(RuleTestFiles.Compile(Good.Replace("esm.originalAgent.zone.uri", "esm.no.such.field.in.any.event", StringComparison.Ordinal)));

        var ex = Fails(Good.Replace("esm.originalAgent.zone.uri", "esm.originalAgent..uri", StringComparison.Ordinal));

        Assert.Contains(ex.Problems, p => p.Key == "rules[0].actions[0].create.CF.Zone" && p.Reason.Contains("not an ESM event path", StringComparison.Ordinal));
    }
}
