using System.Text;
using Aeg.Rules;

namespace Aeg.Tests.Rules;

public class RuleTestReportTests
{
    private static string Report(string frame)
    {
        var matcher = new RuleMatcher(RuleLoader.Load(TestServices.RepoFile("content/rules")));
        var output = new StringWriter();
        RuleTestReport.Write(output, matcher, Encoding.UTF8.GetBytes(frame), "(none)", 1);
        return output.ToString();
    }

    [Fact]
    public void A_match_shows_the_dedupe_key_and_the_rendered_fields_per_action()
    {
        var report = Report("CEF:0|ArcSight|ArcSight|7.6|rule:1|Brute|8|eventId=9 type=2 src=1.2.3.4 dst=5.6.7.8");
        string[] lines = ["rule esm-correlation: MATCH (esm-correlation.yaml)", "dedupe key: esm-event-9", "action 1: target rt",
            "Subject: [ESM] Brute (1.2.3.4 -> 5.6.7.8)", "CF.DestinationIP: 5.6.7.8", "Comment: ESM sent correlation event 9 again: Brute"];
        Assert.All(lines, line => Assert.Contains(line, report));
    }

    [Fact]
    public void A_rule_that_does_not_match_names_the_first_failed_condition()
    {
        var report = Report("CEF:0|ArcSight|ArcSight|7.6|rule:1|Brute|8|eventId=9 type=1");
        Assert.Contains("rule esm-correlation: no match, failed when[2]: type eq 2", report);
        Assert.Contains("rule annotation-reimage: no match, failed when[0]: deviceVendor equals 'HP'", report);
        Assert.DoesNotContain("MATCH", report);
    }

    [Fact]
    public void An_event_that_is_not_CEF_says_why()
        => Assert.Contains("not valid CEF: NoCefMarker at byte 0", Report("garbage"));
}
