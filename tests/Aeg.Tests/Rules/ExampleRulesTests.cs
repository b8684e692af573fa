using System.Text;
using Aeg.Annotations;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Syslog;
using Aeg.Tickets;

namespace Aeg.Tests.Rules;

/// <summary>The example rules of content/rules against events as Aeg and ESM write them.</summary>
public class ExampleRulesTests
{
    private static readonly IReadOnlyDictionary<string, string> Targets = new Dictionary<string, string> { ["rt"] = "rt" };

    private readonly RecordingQueue _queue = new();
    private readonly SenderCounters _sender = new("10.1.1.1");
    private readonly CefRuleHandler _handler;

    public ExampleRulesTests()
    {
        var rules = RuleLoader.Load(TestServices.RepoFile("content/rules"), Targets);
        _handler = new CefRuleHandler(new RuleMatcher(rules), _queue, "(none)", new LogCapture().Logger);
    }

    /// <summary>An annotation event exactly as the annotation poller sends it (cef-mappings.yaml of the repository).</summary>
    private static byte[] Annotation(string stage, long version = 2, string? comment = "host infected, re-image it")
    {
        var mappings = CefMappingsFile.Load(TestServices.RepoFile("cef-mappings.yaml"));
        var mapper = new AnnotationMapper(mappings, new SyslogOutputOptions(), "aeg01.example.com", () => DateTimeOffset.UnixEpoch);
        return mapper.Map(new AnnotationRow
        {
            EventId = 4711,
            Version = version,
            ModificationTimeMs = 1_700_000_000_000,
            ModifiedBy = "alice",
            StageName = stage,
            StageUri = "/All Stages/" + stage,
            CurrentComment = comment,
            Flags = 1,
        }).ToArray();
    }

    private const string Correlation =
        "<134>Nov 22 02:00:00 esm01 CEF:0|ArcSight|ArcSight|7.6.0.8009.0|rule:101|Brute Force Attack Detected|8|"
        + "eventId=123456 type=2 src=10.0.0.5 shost=ws5 dst=10.0.0.9 dhost=dc1 duser=bob rt=1700000000000";

    [Fact]
    public void Annotation_stage_re_image_opens_an_RT_ticket_in_SOC()
    {
        _handler.Handle(Annotation("re-image"), _sender);
        var work = Assert.Single(_queue.Items);
        Assert.Equal("annotation-reimage", work.RuleName);
        Assert.Equal("rt", work.Target);
        Assert.Equal("esm-event-4711", work.DedupeKey);
        Assert.Equal("SOC", work.OnCreate!["Queue"]);
        Assert.Equal("Re-image requested for ESM event 4711 by alice", work.OnCreate["Subject"]);
        Assert.Equal("70", work.OnCreate["Priority"]);
        Assert.Equal("annotation", work.OnCreate["CF.CEFSignatureID"]);
        Assert.Contains("moved to stage re-image by alice", work.OnCreate["Content"]);
        Assert.Contains("Comment: host infected, re-image it", work.OnCreate["Content"]);
        Assert.Contains("CEF:0|HP|AEG|", work.OnCreate["Content"]);
        Assert.Contains("Annotation version 2 by alice: stage re-image.", work.OnUpdate!["Comment"]);
        Assert.Equal((1, 1, 0), (_sender.Parsed, _sender.Matched, _sender.Rejected));
    }

    [Fact]
    public void Annotation_stage_Closed_resolves_the_same_ticket_without_creating_one()
    {
        _handler.Handle(Annotation("Closed", version: 3, comment: null), _sender);
        var work = Assert.Single(_queue.Items);
        Assert.Equal("annotation-closed", work.RuleName);
        Assert.Equal("esm-event-4711", work.DedupeKey);
        Assert.Null(work.OnCreate);
        Assert.Equal("resolved", work.OnUpdate!["Status"]);
        Assert.Equal("Closed in ESM by alice (annotation version 3). ", work.OnUpdate["Comment"]);
    }

    [Theory]
    [InlineData("Follow-Up")]
    [InlineData("Queued")]
    public void Other_annotation_stages_open_nothing(string stage)
    {
        _handler.Handle(Annotation(stage), _sender);
        Assert.Empty(_queue.Items);
        Assert.Equal((1, 0), (_sender.Parsed, _sender.Matched));
    }

    [Fact]
    public void An_ESM_correlation_event_opens_a_ticket_with_source_and_destination_custom_fields()
    {
        _handler.Handle(Encoding.UTF8.GetBytes(Correlation), _sender);
        var work = Assert.Single(_queue.Items);
        Assert.Equal("esm-correlation", work.RuleName);
        Assert.Equal("esm-event-123456", work.DedupeKey);
        Assert.Equal("[ESM] Brute Force Attack Detected (10.0.0.5 -> 10.0.0.9)", work.OnCreate!["Subject"]);
        Assert.Equal("8", work.OnCreate["Priority"]);
        Assert.Equal("10.0.0.5", work.OnCreate["CF.SourceIP"]);
        Assert.Equal("10.0.0.9", work.OnCreate["CF.DestinationIP"]);
        Assert.Equal("rule:101", work.OnCreate["CF.CEFSignatureID"]);
        Assert.Equal(Correlation, work.RawEvent);
        Assert.Contains("again", work.OnUpdate!["Comment"]);
    }

    [Theory]
    [InlineData("type=1")]
    [InlineData("type=0")]
    public void Base_and_aggregated_ESM_events_open_nothing(string type)
    {
        _handler.Handle(Encoding.UTF8.GetBytes(Correlation.Replace("type=2", type)), _sender);
        Assert.Empty(_queue.Items);
    }

    [Fact]
    public void A_correlation_event_without_an_event_id_opens_nothing_rather_than_joining_a_shared_ticket()
    {
        _handler.Handle(Encoding.UTF8.GetBytes(Correlation.Replace("eventId=123456 ", "")), _sender);
        Assert.Empty(_queue.Items);
        Assert.Equal(1, _sender.Parsed);
    }

    [Fact]
    public void Malformed_lines_are_counted_as_rejected_and_skipped()
    {
        foreach (var line in new[] { "garbage", "CEF:0|ArcSight|ArcSight", "CEF:0|a|b|1|c|d|5|=x", "" })
        {
            _handler.Handle(Encoding.UTF8.GetBytes(line), _sender);
        }
        _handler.Handle(Annotation("re-image"), _sender);
        Assert.Equal((1, 4, 1), (_sender.Parsed, _sender.Rejected, _sender.Matched));
        Assert.Single(_queue.Items);
    }

    private sealed class RecordingQueue : ITicketQueue
    {
        public List<TicketWork> Items { get; } = [];

        public bool TryEnqueue(TicketWork work)
        {
            Items.Add(work);
            return true;
        }
    }
}
