using System.Text;
using Aeg.Rules;

namespace Aeg.Tests.Rules;

public class TicketTemplateTests
{
    private const string Frame =
        "<134>Nov 22 02:00:00 aeg01 aeg: CEF:0|HP|AEG|1.0|annotation|Annotation Event|5|duser=alice "
        + "cs2=needs {{cn2}} \"quoted\" back\\\\slash\\nline2 cs2Label=current_comment cs3=re-image cs3Label=stage cn2=4711 src=";

    private static string Render(string template, string frame = Frame, string missing = "(none)")
    {
        var t = TicketTemplate.Parse(template, out var reason) ?? throw new InvalidOperationException(reason);
        return t.Render(CefEvent.Parse(Encoding.UTF8.GetBytes(frame)), missing);
    }

    [Theory]
    [InlineData("{{deviceVendor}}/{{deviceProduct}}/{{deviceVersion}}/{{deviceEventClassId}}/{{name}}/{{severity}}", "HP/AEG/1.0/annotation/Annotation Event/5")]
    [InlineData("event {{cn2}} by {{duser}}", "event 4711 by alice")]
    [InlineData("{{ cn2 }}", "4711")]
    [InlineData("stage={{label:stage}}", "stage=re-image")]
    [InlineData("{{label: stage}}", "re-image")]
    [InlineData("{{syslog.host}}", "aeg01")]
    [InlineData("{{suser|unknown}}", "unknown")]
    [InlineData("{{duser|unknown}}", "alice")]
    [InlineData("{{src|no source}}", "no source")]
    [InlineData("[{{src|}}]", "[]")]
    [InlineData("{{label:missing|n/a}}", "n/a")]
    [InlineData("{{suser}}", "(none)")]
    [InlineData("{{label:nothing}}", "(none)")]
    [InlineData("no variables at all { } }}", "no variables at all { } }}")]
    public void Variables_are_filled_from_the_event(string template, string expected)
        => Assert.Equal(expected, Render(template));

    [Fact]
    public void Values_are_inserted_literally_without_expanding_them_again()
    {
        Assert.Equal("needs {{cn2}} \"quoted\" back\\slash\nline2", Render("{{label:current_comment}}"));
        Assert.Equal("<needs {{cn2}} \"quoted\" back\\slash\nline2>", Render("<{{cs2}}>"));
    }

    [Fact]
    public void Raw_is_the_whole_frame_as_received()
        => Assert.Equal("x " + Frame, Render("x {{raw}}"));

    [Fact]
    public void The_missing_value_placeholder_is_configurable()
        => Assert.Equal("a--b", Render("a{{suser}}b", missing: "--"));

    [Fact]
    public void A_frame_that_is_not_CEF_still_renders_raw_and_placeholders()
        => Assert.Equal("(none) garbage", Render("{{deviceVendor}} {{raw}}", frame: "garbage"));

    [Theory]
    [InlineData("{{cn2", "not closed")]
    [InlineData("a {{}} b", "names no field")]
    [InlineData("{{ |x}}", "names no field")]
    [InlineData("{{label:}}", "not a label name")]
    [InlineData("{{syslog.tag}}", "unknown field 'syslog.tag'")]
    [InlineData("{{src dst}}", "is not a CEF header field")]
    [InlineData("{{a{{b}}", "nested braces")]
    public void Bad_variable_syntax_is_rejected_with_a_reason(string template, string reason)
    {
        Assert.Null(TicketTemplate.Parse(template, out var why));
        Assert.Contains(reason, why);
    }
}
