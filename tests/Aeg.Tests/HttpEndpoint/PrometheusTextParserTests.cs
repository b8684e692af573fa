using Aeg.Metrics;

namespace Aeg.Tests.HttpEndpoint;

/// <summary>The strict parser the endpoint tests rely on: it must reject what Prometheus rejects.</summary>
public sealed class PrometheusTextParserTests
{
    private const string Valid = """
        # HELP a_total Things.
        # TYPE a_total counter
        a_total{x="q\"uo\\te\n"} 3
        # HELP h Latency.
        # TYPE h histogram
        h_bucket{analyst="ann",le="1"} 1
        h_bucket{analyst="ann",le="+Inf"} 2
        h_sum{analyst="ann"} 7.5
        h_count{analyst="ann"} 2

        """;

    [Fact]
    public void A_valid_page_parses_with_unescaped_labels_and_histogram_series()
    {
        var page = PrometheusTextParser.Parse(Valid);
        Assert.Equal(3, page.Value("a_total", ("x", "q\"uo\\te\n")));
        Assert.Equal("histogram", page.Families["h"].Type);
        Assert.Equal(2, page.Value("h_count", ("analyst", "ann")));
    }

    [Theory]
    [InlineData("a_total 1\n# TYPE a_total counter\n", "after its samples")]
    [InlineData("# TYPE a counter\n# TYPE a counter\na 1\n", "second TYPE")]
    [InlineData("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n", "not in one group")]
    [InlineData("# TYPE a gauge\na 1\na 2\n", "duplicate series")]
    [InlineData("# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n", "twice")]
    [InlineData("# TYPE a gauge\na{x=\"\\t\"} 1\n", "invalid escape")]
    [InlineData("# TYPE a gauge\na{1x=\"1\"} 1\n", "bad label name")]
    [InlineData("# TYPE a gauge\na{__x=\"1\"} 1\n", "reserved")]
    [InlineData("# TYPE a gauge\na{x=\"1} 1\n", "unterminated")]
    [InlineData("# TYPE a gauge\na 1,5\n", "bad value")]
    [InlineData("# TYPE a gauge\na  1\n", "bad value")]
    [InlineData("# TYPE a gauge\na 1", "line feed")]
    [InlineData("# TYPE a counter\na -1\n", "counter a is -1")]
    [InlineData("# TYPE a sometype\na 1\n", "unknown type")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "does not ascend")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "holds 1 < 2")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "no +Inf bucket")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", "!= _count")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n", "no _sum")]
    [InlineData("# TYPE h histogram\nh_bucket 2\n", "without a numeric le")]
    public void Each_violation_is_rejected_with_its_reason(string page, string reason)
    {
        var ex = Assert.Throws<PrometheusFormatException>(() => PrometheusTextParser.Parse(page));
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void The_lead_writer_s_histogram_and_escaped_labels_pass_the_parser()
    {
        var histogram = new Histogram([1, 5, 30]);
        foreach (var v in new[] { 0.5, 1, 4, 31, 31 })
        {
            histogram.Observe(v);
        }
        var text = new StringWriter();
        var writer = new PrometheusTextWriter(text);
        writer.Family("aeg_analyst_time_to_respond_seconds", "histogram", "Help with a \\ backslash\nand a line.");
        writer.Histogram("aeg_analyst_time_to_respond_seconds", histogram.Snapshot(), ("analyst", "o\"brien\\x\n"));

        var page = PrometheusTextParser.Parse(text.ToString());
        Assert.Equal("Help with a \\ backslash\nand a line.", page.Families["aeg_analyst_time_to_respond_seconds"].Help);
        Assert.Equal(2, page.Value("aeg_analyst_time_to_respond_seconds_bucket", ("analyst", "o\"brien\\x\n"), ("le", "1")));
        Assert.Equal(5, page.Value("aeg_analyst_time_to_respond_seconds_count", ("analyst", "o\"brien\\x\n")));
    }
}
