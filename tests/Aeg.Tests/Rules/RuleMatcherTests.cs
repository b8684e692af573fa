using System.Text;
using Aeg.Cef;
using Aeg.Rules;

namespace Aeg.Tests.Rules;

public class RuleMatcherTests
{
    private const string Event =
        "<134>Nov 22 02:00:00 esm01 CEF:0|ArcSight|ArcSight|7.6|rule:101|Brute force \\| login|7|"
        + "eventId=4711 type=2 src=10.0.0.5 dst=192.168.1.9 duser=Alice cnt=42 cs3=re-image cs3Label=stage "
        + "msg=first line\\nsecond a\\=b path\\\\x cn2=12.5 empty=";

    private static bool Matches(string frame, params string[] conditions)
    {
        var matcher = RuleTestFiles.MatcherFor(conditions);
        var bytes = Encoding.UTF8.GetBytes(frame);
        var reader = new CefReader(bytes);
        Span<int> matched = stackalloc int[1];
        return matcher.Match(bytes, ref reader, matched) == 1;
    }

    [Theory]
    [InlineData("{ field: deviceVendor, equals: ArcSight }", true)]
    [InlineData("{ field: deviceVendor, equals: arcsight }", false)]
    [InlineData("{ field: deviceVendor, equals: arcsight, ignoreCase: true }", true)]
    [InlineData("{ field: name, equals: 'Brute force | login' }", true)]
    [InlineData("{ field: deviceEventClassId, prefix: 'rule:' }", true)]
    [InlineData("{ field: deviceEventClassId, prefix: 'RULE:' }", false)]
    [InlineData("{ field: deviceEventClassId, prefix: 'RULE:', ignoreCase: true }", true)]
    [InlineData("{ field: severity, ge: 7 }", true)]
    [InlineData("{ field: severity, gt: 7 }", false)]
    [InlineData("{ field: deviceVersion, equals: '7.6' }", true)]
    [InlineData("{ field: src, equals: 10.0.0.5 }", true)]
    [InlineData("{ field: src, equals: 10.0.0.50 }", false)]
    [InlineData("{ field: src, in: [10.0.0.4, 10.0.0.5] }", true)]
    [InlineData("{ field: src, in: [10.0.0.4, 10.0.0.6] }", false)]
    [InlineData("{ field: duser, in: [bob, ALICE], ignoreCase: true }", true)]
    [InlineData("{ field: duser, in: [bob, ALICE] }", false)]
    [InlineData("{ field: src, prefix: '10.0.' }", true)]
    [InlineData("{ field: dst, regex: '^192\\.168\\.' }", true)]
    [InlineData("{ field: dst, regex: '^10\\.' }", false)]
    [InlineData("{ field: duser, regex: '^alice$' }", false)]
    [InlineData("{ field: duser, regex: '^alice$', ignoreCase: true }", true)]
    [InlineData("{ field: cnt, gt: 41 }", true)]
    [InlineData("{ field: cnt, gt: 42 }", false)]
    [InlineData("{ field: cnt, ge: 42 }", true)]
    [InlineData("{ field: cnt, lt: 43 }", true)]
    [InlineData("{ field: cnt, le: 41 }", false)]
    [InlineData("{ field: cnt, eq: 42 }", true)]
    [InlineData("{ field: cn2, eq: 12.5 }", true)]
    [InlineData("{ field: duser, gt: 1 }", false)]
    [InlineData("{ field: type, eq: 2 }", true)]
    [InlineData("{ field: src, exists: true }", true)]
    [InlineData("{ field: shost, exists: true }", false)]
    [InlineData("{ field: shost, exists: false }", true)]
    [InlineData("{ field: empty, exists: true }", false)]
    [InlineData("{ field: empty, exists: false }", true)]
    [InlineData("{ field: shost, equals: '' }", false)]
    [InlineData("{ label: stage, equals: re-image }", true)]
    [InlineData("{ label: stage, equals: Closed }", false)]
    [InlineData("{ label: stage, exists: true }", true)]
    [InlineData("{ label: missing, exists: false }", true)]
    [InlineData("{ label: missing, equals: re-image }", false)]
    [InlineData("{ field: msg, equals: \"first line\\nsecond a=b path\\\\x\" }", true)]
    [InlineData("{ field: msg, prefix: \"first line\\nsecond a=\" }", true)]
    [InlineData("{ field: msg, regex: 'line\\nsecond a=b' }", true)]
    [InlineData("{ field: syslog.host, equals: esm01 }", true)]
    [InlineData("{ field: syslog.host, equals: esm02 }", false)]
    public void Each_operator_decides_on_the_unescaped_value(string condition, bool expected)
        => Assert.Equal(expected, Matches(Event, condition));

    [Fact]
    public void All_conditions_must_hold_and_the_first_failing_one_is_reported()
    {
        var matcher = RuleTestFiles.MatcherFor("{ field: deviceVendor, equals: ArcSight }", "{ field: src, equals: 1.2.3.4 }", "{ field: dst, exists: true }");
        var outcome = Assert.Single(matcher.Explain(Encoding.UTF8.GetBytes(Event), out var error));
        Assert.Equal(CefError.None, error);
        Assert.False(outcome.Matched);
        Assert.Equal(1, outcome.FailedCondition);
        Assert.StartsWith("when[1]: src equals '1.2.3.4'", outcome.Rule.Conditions[1].Description);
    }

    [Fact]
    public void A_label_is_found_whether_it_comes_before_or_after_its_value()
    {
        const string labelFirst = "CEF:0|HP|AEG|1.0|annotation|Annotation Event|5|cs3Label=stage cs2Label=current_comment cs2=x cs3=Closed";
        Assert.True(Matches(labelFirst, "{ label: stage, equals: Closed }"));
        Assert.False(Matches(labelFirst, "{ label: current_comment, equals: Closed }"));
    }

    [Fact]
    public void The_first_of_duplicated_keys_counts()
    {
        Assert.True(Matches("CEF:0|a|b|1|c|d|5|src=1.1.1.1 src=2.2.2.2", "{ field: src, equals: 1.1.1.1 }"));
        Assert.False(Matches("CEF:0|a|b|1|c|d|5|src=1.1.1.1 src=2.2.2.2", "{ field: src, equals: 2.2.2.2 }"));
    }

    [Theory]
    [InlineData("not cef at all")]
    [InlineData("CEF:0|truncated")]
    [InlineData("")]
    [InlineData("CEF:0|a|b|1|c|d|5|=novalue src=1.1.1.1")]
    public void Malformed_frames_match_nothing(string frame)
    {
        Assert.False(Matches(frame, "{ field: src, exists: false }"));
    }

    [Fact]
    public void A_dedupe_variable_without_default_must_exist_for_the_rule_to_match()
    {
        var rules = RuleTestFiles.Compile("""
            rules:
              - name: by-event-id
                when: [{ field: deviceVendor, equals: a }]
                dedupe: "{{deviceEventClassId}}:{{eventId}}:{{src|none}}"
                actions: [{ target: hook, create: { x: y } }]
            """);
        var matcher = new RuleMatcher(rules);
        var with = Encoding.UTF8.GetBytes("CEF:0|a|b|1|c|d|5|eventId=1");
        var without = Encoding.UTF8.GetBytes("CEF:0|a|b|1|c|d|5|src=1.1.1.1");
        Assert.True(matcher.Explain(with, out _)[0].Matched);
        var outcome = matcher.Explain(without, out _)[0];
        Assert.False(outcome.Matched);
        Assert.Equal("dedupe: {{eventId}} exists", rules[0].Conditions[outcome.FailedCondition].Description);
    }

    [Fact]
    public void Several_rules_report_each_match_in_rule_order()
    {
        var rules = RuleTestFiles.Compile("""
            rules:
              - name: one
                when: [{ field: src, prefix: "10." }]
                dedupe: "{{src}}"
                actions: [{ target: hook, create: { x: y } }]
              - name: two
                when: [{ field: src, prefix: "192." }]
                dedupe: "{{src}}"
                actions: [{ target: hook, create: { x: y } }]
              - name: three
                when: [{ label: stage, equals: re-image }]
                dedupe: "{{src}}"
                actions: [{ target: hook, create: { x: y } }]
            """);
        var matcher = new RuleMatcher(rules);
        var bytes = Encoding.UTF8.GetBytes(Event);
        var reader = new CefReader(bytes);
        var matched = new int[3];
        Assert.Equal(2, matcher.Match(bytes, ref reader, matched));
        Assert.Equal([0, 2], matched[..2]);
    }
}

public class RuleMatcherKeyLookupTests
{
    private static bool Matches(string frame, string condition)
    {
        var matcher = RuleTestFiles.MatcherFor(condition);
        var bytes = Encoding.UTF8.GetBytes(frame);
        var reader = new CefReader(bytes);
        return matcher.Match(bytes, ref reader, new int[1]) == 1;
    }

    [Theory]
    // Long keys sharing their first bytes and length are told apart.
    [InlineData("CEF:0|a|b|1|c|d|5|deviceCustomDate1=one deviceCustomDate2=two", "{ field: deviceCustomDate2, equals: two }", true)]
    [InlineData("CEF:0|a|b|1|c|d|5|deviceCustomDate1=one deviceCustomDate2=two", "{ field: deviceCustomDate2, equals: one }", false)]
    [InlineData("CEF:0|a|b|1|c|d|5|deviceCustomDate1=one", "{ field: deviceCustomDate2, exists: false }", true)]
    // Keys that are prefixes of each other.
    [InlineData("CEF:0|a|b|1|c|d|5|cs10=x cs1=y", "{ field: cs1, equals: y }", true)]
    [InlineData("CEF:0|a|b|1|c|d|5|cs1=y cs10=x", "{ field: cs10, equals: x }", true)]
    [InlineData("CEF:0|a|b|1|c|d|5|src2=y", "{ field: src, exists: false }", true)]
    // A key in the last bytes of the frame, where no 8-byte read fits.
    [InlineData("CEF:0|a|b|1|c|d|5|x=1 k=v", "{ field: k, equals: v }", true)]
    [InlineData("CEF:0|a|b|1|c|d|5|x=1 flexString1=v", "{ field: flexString1, equals: v }", true)]
    // Labels of the custom keys, which all end in a digit.
    [InlineData("CEF:0|a|b|1|c|d|5|flexString1Label=stage flexString1=re-image", "{ label: stage, equals: re-image }", true)]
    [InlineData("CEF:0|a|b|1|c|d|5|deviceCustomDate2=1700 deviceCustomDate2Label=stage", "{ label: stage, equals: '1700' }", true)]
    [InlineData("CEF:0|a|b|1|c|d|5|cn10=5 cn1=4 cn1Label=stage", "{ label: stage, eq: 4 }", true)]
    public void Keys_are_found_exactly(string frame, string condition, bool expected)
        => Assert.Equal(expected, Matches(frame, condition));
}
