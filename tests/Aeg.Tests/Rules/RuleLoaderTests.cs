using Aeg.Configuration;
using Aeg.Rules;

namespace Aeg.Tests.Rules;

public class RuleLoaderTests
{
    private const string Good = """
        rules:
          - name: good
            when: [{ field: src, exists: true }]
            dedupe: "{{src}}"
            actions: [{ target: rt, create: { Queue: SOC, Subject: "x {{src}}", CF.SourceIP: "{{src}}" }, update: { Comment: c } }]
        """;

    [Fact]
    public void A_directory_loads_every_yaml_file_in_name_order()
    {
        using var files = new RuleTestFiles();
        files.Write("b.yaml", Good.Replace("good", "second"));
        files.Write("a.yml", Good.Replace("good", "first"));
        files.Write("notes.txt", "not a rules file");
        var rules = RuleLoader.Load(files.Directory, RuleTestFiles.Targets);
        Assert.Equal(["first", "second"], rules.Select(r => r.Name));
        Assert.EndsWith("a.yml", rules[0].SourceFile);
        var action = Assert.Single(rules[0].Actions);
        Assert.Equal("rt", action.Target);
        Assert.Equal(["Queue", "Subject", "CF.SourceIP"], action.Create!.Select(f => f.Key));
        Assert.Equal("Comment", Assert.Single(action.Update!).Key);
    }

    [Fact]
    public void A_rule_name_used_in_two_files_is_an_error_naming_both()
    {
        using var files = new RuleTestFiles();
        var first = files.Write("a.yaml", Good);
        var second = files.Write("b.yaml", Good);
        var ex = Assert.Throws<ConfigException>(() => RuleLoader.Load(files.Directory, RuleTestFiles.Targets));
        Assert.Equal(second, ex.File);
        Assert.Contains(ex.Problems, p => p.Key == "rules[0].name" && p.Reason.Contains(first));
    }

    [Theory]
    [InlineData("{ field: src, regex: '(unclosed' }", "rules[0].when[0].regex", "bad regex")]
    [InlineData("{ field: src, regex: '(a)\\1' }", "rules[0].when[0].regex", "not supported by the linear-time regex engine")]
    [InlineData("{ field: src, contains: x }", "rules[0].when[0].contains", "unknown key 'contains'")]
    [InlineData("{ field: src }", "rules[0].when[0]", "needs an operator")]
    [InlineData("{ field: src, equals: a, prefix: b }", "rules[0].when[0]", "has 2 operators")]
    [InlineData("{ field: 'bad key!', equals: a }", "rules[0].when[0].field", "is not a CEF header field")]
    [InlineData("{ field: raw, equals: a }", "rules[0].when[0].field", "templates, not in conditions")]
    [InlineData("{ field: src, label: stage, equals: a }", "rules[0].when[0]", "exactly one of 'field'")]
    [InlineData("{ label: ' ', equals: a }", "rules[0].when[0].label", "not a label name")]
    [InlineData("{ field: cnt, gt: many }", "rules[0].when[0].gt", "")]
    [InlineData("{ field: src, in: [] }", "rules[0].when[0].in", "one or more values")]
    [InlineData("{ field: src, prefix: '' }", "rules[0].when[0].prefix", "use exists: true")]
    public void A_bad_condition_is_reported_with_its_key_path(string condition, string key, string reason)
    {
        var ex = Load($$$"""
            rules:
              - name: r
                when:
                  - {{{condition}}}
                dedupe: "{{src}}"
                actions: [{ target: rt, create: { Queue: SOC } }]
            """);
        Assert.Contains(ex.Problems, p => p.Key == key && p.Reason.Contains(reason));
    }

    [Theory]
    [InlineData("dedupe: ''", "rules[0].dedupe", "must not be empty")]
    [InlineData("dedupe: 'fixed'", "rules[0].dedupe", "every event would share one ticket")]
    [InlineData("dedupe: '{{src'", "rules[0].dedupe", "not closed")]
    [InlineData("name: ''", "rules[0].name", "must not be empty")]
    [InlineData("when: []", "rules[0].when", "at least one condition")]
    [InlineData("actions: []", "rules[0].actions", "at least one action")]
    [InlineData("actions: [{ target: nowhere, create: { a: b } }]", "rules[0].actions[0].target", "unknown ticket system 'nowhere' (known: extrahop, hook, jira, rt)")]
    [InlineData("actions: [{ target: rt }]", "rules[0].actions[0]", "needs 'create' fields, 'update' fields or both")]
    [InlineData("actions: [{ target: rt, create: { Title: x } }]", "rules[0].actions[0].create.Title", "unknown field 'Title' for a rt target")]
    [InlineData("actions: [{ target: jira, update: { Summary: x } }]", "rules[0].actions[0].update.Summary", "unknown field 'Summary' for a jira target")]
    [InlineData("actions: [{ target: extrahop, update: { ticket: x } }]", "rules[0].actions[0].update.ticket", "for a extrahop target")]
    [InlineData("actions: [{ target: rt, create: { Subject: '{{label:}}' } }]", "rules[0].actions[0].create.Subject", "not a label name")]
    [InlineData("actions: [{ target: rt, create: {} }]", "rules[0].actions[0].create", "has no fields")]
    [InlineData("unknown: 1", "rules[0].unknown", "unknown key 'unknown'")]
    public void A_bad_rule_part_is_reported_with_its_key_path(string replacement, string key, string reason)
    {
        var part = replacement.Split(':')[0];
        var lines = new List<string>
        {
            "rules:",
            "  - name: r",
            "    when: [{ field: src, exists: true }]",
            "    dedupe: \"{{src}}\"",
            "    actions: [{ target: rt, create: { Queue: SOC } }]",
        };
        var index = lines.FindIndex(l => l.TrimStart().StartsWith(part + ":", StringComparison.Ordinal) || l.TrimStart().StartsWith("- " + part + ":", StringComparison.Ordinal));
        if (index < 0)
        {
            lines.Add("    " + replacement);
        }
        else
        {
            lines[index] = (index == 1 ? "  - " : "    ") + replacement;
        }
        var ex = Load(string.Join("\n", lines));
        Assert.Contains(ex.Problems, p => p.Key == key && p.Reason.Contains(reason));
    }

    [Fact]
    public void A_webhook_target_accepts_any_field_name()
    {
        var rules = RuleTestFiles.Compile("""
            rules:
              - name: w
                when: [{ field: src, exists: true }]
                dedupe: "{{src}}"
                actions: [{ target: hook, create: { anything: "{{src}}", "with space": x } }]
            """);
        Assert.Equal(["anything", "with space"], rules[0].Actions[0].Create!.Select(f => f.Key));
    }

    [Fact]
    public void Without_a_tickets_section_targets_are_not_checked()
    {
        using var files = new RuleTestFiles();
        var rules = RuleLoader.Load(files.Write("r.yaml", Good.Replace("target: rt", "target: later")), targetKinds: null);
        Assert.Equal("later", rules[0].Actions[0].Target);
    }

    [Fact]
    public void An_empty_file_and_a_missing_path_are_errors()
    {
        using var files = new RuleTestFiles();
        var empty = Assert.Throws<ConfigException>(() => RuleLoader.Load(files.Write("e.yaml", "# nothing\n"), RuleTestFiles.Targets));
        Assert.Contains(empty.Problems, p => p.Key == "rules" && p.Reason.Contains("defines no rules"));
        var missing = Assert.Throws<ConfigException>(() => RuleLoader.Load(Path.Combine(files.Directory, "nope"), RuleTestFiles.Targets));
        Assert.Contains("no such rules file or directory", missing.Message);
    }

    [Fact]
    public void The_message_names_file_key_and_reason()
    {
        using var files = new RuleTestFiles();
        var path = files.Write("reimage.yaml", Good.Replace("{ field: src, exists: true }", "{ field: src, exists: true }, { field: dst, regex: '[' }"));
        var ex = Assert.Throws<ConfigException>(() => RuleLoader.Load(path, RuleTestFiles.Targets));
        Assert.StartsWith($"{path}: rules[0].when[1].regex: bad regex", ex.Message);
    }

    private static ConfigException Load(string yaml)
    {
        using var files = new RuleTestFiles();
        return Assert.Throws<ConfigException>(() => RuleLoader.Load(files.Write("r.yaml", yaml), RuleTestFiles.Targets));
    }
}
