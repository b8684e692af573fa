using System.Text;
using Aeg.Configuration;
using Aeg.Rules;
using Aeg.Tickets;

namespace Aeg.Tests.Rules;

/// <summary><c>{{ticket.&lt;target&gt;.id|url}}</c>: where a rule may link to an earlier action's ticket, and what the receive path renders.</summary>
public sealed class TicketLinkRuleTests
{
    private const string Good = """
        rules:
          - name: rt-then-extrahop
            when: [{ field: deviceVendor, equals: ExtraHop }]
            dedupe: "eh-{{cn1}}"
            actions:
              - target: rt
                create: { Queue: SOC, Subject: "{{name}}" }
              - target: extrahop
                create: { detectionId: "{{cn1}}", ticket_id: "{{ticket.rt.id}}", status: in_progress }
                update: { ticket_id: "{{ticket.rt.id}}" }
              - target: hook
                create: { text: "RT {{ticket.rt.id}} at {{ticket.rt.url}}, detection {{ticket.extrahop.id}}" }
        """;

    private static ConfigException Fails(string yaml)
    {
        using var files = new RuleTestFiles();
        return Assert.Throws<ConfigException>(() => RuleLoader.Load(files.Write("r.yaml", yaml), RuleTestFiles.Targets));
    }

    [Fact]
    public void Later_actions_may_link_to_earlier_ones_and_the_receive_path_leaves_the_marks_for_the_ticket_worker()
    {
        var rule = Assert.Single(RuleTestFiles.Compile(Good));
        var cef = CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|ExtraHop|Reveal(x)|9.4|lateral|Lateral movement|8|cn1=4711"));

        var works = CefRuleHandler.Render(rule, cef, "(none)", DateTimeOffset.UnixEpoch).ToList();

        Assert.Equal(["rt", "extrahop", "hook"], works.Select(w => w.Target));
        Assert.Equal("{{ticket.rt.id}}", works[1].OnCreate!["ticket_id"]);
        Assert.Equal("4711", works[1].OnCreate!["detectionId"]);
        Assert.Equal("RT {{ticket.rt.id}} at {{ticket.rt.url}}, detection {{ticket.extrahop.id}}", works[2].OnCreate!["text"]);
        Assert.Empty(TicketLinks.Targets(works[0]));
        Assert.Equal(["rt"], TicketLinks.Targets(works[1]));
        Assert.Equal(["rt", "extrahop"], TicketLinks.Targets(works[2]));
    }

    [Fact]
    public void Filling_replaces_each_mark_with_the_linked_ticket_and_leaves_other_text_alone()
    {
        var rule = Assert.Single(RuleTestFiles.Compile(Good));
        var cef = CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|ExtraHop|Reveal(x)|9.4|lateral|Lateral movement|8|cn1=4711"));
        var hook = CefRuleHandler.Render(rule, cef, "(none)", DateTimeOffset.UnixEpoch).Last();

        var filled = TicketLinks.Fill(hook, new Dictionary<string, (string, string?)>
        {
            ["rt"] = ("812", "https://rt.example.org/Ticket/Display.html?id=812"),
            ["extrahop"] = ("4711", null),
        });

        Assert.Equal("RT 812 at https://rt.example.org/Ticket/Display.html?id=812, detection 4711", filled.OnCreate!["text"]);
        Assert.Equal((hook.Target, hook.DedupeKey, hook.RuleName), (filled.Target, filled.DedupeKey, filled.RuleName));
        Assert.Empty(TicketLinks.Targets(filled));
    }

    [Theory]
    [InlineData("https://rt.example.org/", "https://rt.example.org/Ticket/Display.html?id=812")]
    [InlineData("https://aeg:s3cret@rt.example.org:8443/rt/", "https://rt.example.org:8443/rt/Ticket/Display.html?id=812")]
    public void An_RT_ticket_page_never_carries_the_configured_credentials(string configured, string expected)
    {
        Assert.Equal(expected, TicketPageUrl.Of(new Uri(configured), "Ticket/Display.html?id=812"));
    }

    [Theory]
    [InlineData("Subject: \"{{name}}\"", "Subject: \"{{ticket.jira.id}}\"", "rules[0].actions[0].create.Subject", "names no earlier action")]
    [InlineData("ticket_id: \"{{ticket.rt.id}}\", status", "ticket_id: \"{{ticket.extrahop.id}}\", status", "rules[0].actions[1].create.ticket_id", "this action's own ticket")]
    [InlineData("ticket_id: \"{{ticket.rt.id}}\", status", "ticket_id: \"{{ticket.rt.id|none}}\", status", "rules[0].actions[1].create.ticket_id", "takes no default")]
    [InlineData("detection {{ticket.extrahop.id}}", "detection {{ticket.extrahop.url}}", "rules[0].actions[2].create.text", "only Request Tracker and Jira tickets have a URL")]
    [InlineData("dedupe: \"eh-{{cn1}}\"", "dedupe: \"eh-{{ticket.rt.id}}\"", "rules[0].dedupe", "cannot depend on one")]
    [InlineData("when: [{ field: deviceVendor, equals: ExtraHop }]", "when: [{ field: ticket.rt.id, exists: true }]", "rules[0].when[0].field", "not in conditions")]
    [InlineData("ticket_id: \"{{ticket.rt.id}}\", status", "ticket_id: \"{{ticket.rt.number}}\", status", "rules[0].actions[1].create.ticket_id", "is not a ticket link")]
    public void A_misplaced_link_is_reported_with_its_key_path_and_reason(string replace, string with, string key, string reason)
    {
        Assert.Contains(replace, Good, StringComparison.Ordinal);

        var ex = Fails(Good.Replace(replace, with, StringComparison.Ordinal));

        var problem = Assert.Single(ex.Problems, p => p.Key == key);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
    }
}
