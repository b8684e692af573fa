using System.Text;
using Aeg.Configuration;
using Aeg.Rules;
using Aeg.Tickets;

namespace Aeg.Tests.Rules;

/// <summary><c>esmActiveList</c> rule actions: what the loader accepts and refuses, and the work a match renders.</summary>
public sealed class ActiveListRuleTests
{
    private const string Good = """
        rules:
          - name: isolate
            when: [{ label: stage, equals: re-image }]
            dedupe: "esm-event-{{cn2}}"
            actions:
              - target: rt
                create: { Queue: SOC, Subject: "re-image {{shost}}" }
              - esmActiveList:
                  list: "HXk2r3pUBABCzVQ0dBjvLxA=="
                  op: add
                  entry: { Host: "{{shost}}", Reason: "re-image by {{duser}}" }
                  key: [Host]
        """;

    [Fact]
    public void A_match_renders_the_entry_keyed_by_list_and_key_columns_next_to_the_rules_other_actions()
    {
        var rule = Assert.Single(RuleTestFiles.Compile(Good));
        var cef = CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|HP|AEG|1.0|a|Annotation Event|3|cn2=77 cs3=re-image cs3Label=stage shost=ws1 duser=alice"));

        var works = CefRuleHandler.Render(rule, cef, "(none)", DateTimeOffset.UnixEpoch).ToList();

        Assert.Equal(("rt", "esm-event-77"), (works[0].Target, works[0].DedupeKey));
        var list = works[1];
        Assert.Equal(ActiveListWork.TargetName, list.Target);
        Assert.Equal("HXk2r3pUBABCzVQ0dBjvLxA==|ws1", list.DedupeKey);
        Assert.Equal(new Dictionary<string, string>
        {
            ["list"] = "HXk2r3pUBABCzVQ0dBjvLxA==",
            ["op"] = "add",
            ["column.Host"] = "ws1",
            ["column.Reason"] = "re-image by alice",
        }, list.OnCreate);
        Assert.Equal(list.OnCreate, list.OnUpdate);
    }

    [Fact]
    public void A_list_named_by_its_URI_travels_as_the_URI_and_keys_its_entries_by_it()
    {
        var rule = Assert.Single(RuleTestFiles.Compile(Good.Replace("HXk2r3pUBABCzVQ0dBjvLxA==", "/All Active Lists/Containment/Hosts to isolate", StringComparison.Ordinal)));
        var cef = CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|HP|AEG|1.0|a|Annotation Event|3|cn2=77 cs3=re-image cs3Label=stage shost=ws1 duser=alice"));

        var list = CefRuleHandler.Render(rule, cef, "(none)", DateTimeOffset.UnixEpoch).Last();

        Assert.Equal("/All Active Lists/Containment/Hosts to isolate|ws1", list.DedupeKey);
        Assert.Equal("/All Active Lists/Containment/Hosts to isolate", list.OnCreate!["list"]);
    }

    [Fact]
    public void An_entry_read_from_the_ESM_event_is_ordered_by_the_rules_dedupe_key()
    {
        var yaml = Good.Replace("dedupe: \"esm-event-{{cn2}}\"", "dedupe: \"esm-event-{{cn2}}\"\n    enrich: esm\n    eventIdFields: [cn2]", StringComparison.Ordinal)
            .Replace("Host: \"{{shost}}\"", "Host: \"{{esm.destination.hostName}}\"", StringComparison.Ordinal);
        var rule = Assert.Single(RuleTestFiles.Compile(yaml));
        var cef = CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|HP|AEG|1.0|a|Annotation Event|3|cn2=77 cs3=re-image cs3Label=stage duser=alice"));

        var list = CefRuleHandler.Render(rule, cef, "(none)", DateTimeOffset.UnixEpoch).Last();

        Assert.Equal("HXk2r3pUBABCzVQ0dBjvLxA==|esm-event-77", list.DedupeKey);
        Assert.Equal(77, rule.Enrichment!.EventId(cef));
    }

    [Theory]
    [InlineData("op: add", "op: append", "rules[0].actions[1].esmActiveList.op", "must be add or delete")]
    [InlineData("list: \"HXk2r3pUBABCzVQ0dBjvLxA==\"", "list: \"{{cs1}}\"", "rules[0].actions[1].esmActiveList.list", "without templates")]
    [InlineData("list: \"HXk2r3pUBABCzVQ0dBjvLxA==\"", "list: \"/Hosts to isolate\"", "rules[0].actions[1].esmActiveList.list", "needs the group and the name")]
    [InlineData("list: \"HXk2r3pUBABCzVQ0dBjvLxA==\"", "list: \"/All Active Lists//Hosts to isolate\"", "rules[0].actions[1].esmActiveList.list", "empty part")]
    [InlineData("key: [Host]", "key: [Hostname]", "rules[0].actions[1].esmActiveList.key[0]", "not a column of the entry")]
    [InlineData("Reason: \"re-image by {{duser}}\"", "Reason: \"{{ticket.rt.id}}\"", "rules[0].actions[1].esmActiveList.entry.Reason", "cannot be used here")]
    [InlineData("Host: \"{{shost}}\"", "Host: \"{{esm.destination.hostName}}\"", "rules[0].enrich", "add 'enrich: esm'")]
    [InlineData("Reason: \"re-image by {{duser}}\"", "Reason: \"{{sourceAddress}}\"", "rules[0].actions[1].esmActiveList.entry.Reason", "write {{src}}")]
    [InlineData("              - esmActiveList:", "              - target: rt\n                esmActiveList:", "rules[0].actions[1].esmActiveList", "has no target")]
    public void A_bad_active_list_action_is_reported_with_its_key_path(string replace, string with, string key, string reason)
    {
        var yaml = Good.Replace(replace.Replace("              ", "      ", StringComparison.Ordinal), with.Replace("              ", "      ", StringComparison.Ordinal).Replace("\n                ", "\n        ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.NotEqual(Good, yaml);
        using var files = new RuleTestFiles();

        var ex = Assert.Throws<ConfigException>(() => RuleLoader.Load(files.Write("r.yaml", yaml), RuleTestFiles.Targets));

        var problem = Assert.Single(ex.Problems, p => p.Key == key);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
    }
}

/// <summary>The shipped containment rules of content/rules/esm-containment against Annotation Events as Aeg writes them.</summary>
public sealed class ShippedContainmentRulesTests
{
    [Theory]
    [InlineData("re-image", "isolate-on-reimage", "add")]
    [InlineData("Closed", "release-on-closed", "delete")]
    public void An_annotation_stage_renders_the_active_list_change_of_its_event(string stage, string rule, string op)
    {
        var rules = RuleLoader.Load(TestServices.RepoFile("content/rules/esm-containment"));
        var line = $"CEF:0|HP|AEG|1.0|annotation|Annotation Event|3|cn2=4711 cn2Label=event_id cs3={stage} cs3Label=stage duser=alice";
        var cef = CefEvent.Parse(Encoding.UTF8.GetBytes(line));

        var matched = new RuleMatcher(rules).Explain(Encoding.UTF8.GetBytes(line), out _).Where(o => o.Matched).Select(o => o.Rule).ToList();

        var only = Assert.Single(matched);
        Assert.Equal(rule, only.Name);
        Assert.Equal(4711, only.Enrichment!.EventId(cef));
        var work = Assert.Single(CefRuleHandler.Render(only, cef, "(none)", DateTimeOffset.UnixEpoch));
        Assert.Equal((ActiveListWork.TargetName, "/All Active Lists/Containment/Hosts to isolate|esm-event-4711", op), (work.Target, work.DedupeKey, work.OnCreate!["op"]));
    }
}
