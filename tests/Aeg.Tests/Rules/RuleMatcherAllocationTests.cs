using System.Text;
using Aeg.Cef;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Tickets;
using Serilog;

namespace Aeg.Tests.Rules;

/// <summary>The receive-loop path (parse, match, count) must allocate nothing per message.</summary>
public class RuleMatcherAllocationTests
{
    // Every operator, labels, escaped values and ignoreCase, so each code path is measured.
    private const string Rules = """
        rules:
          - name: reimage
            when:
              - { field: deviceVendor, equals: HP }
              - { field: deviceProduct, in: [AEG, Other] }
              - { label: stage, equals: re-image, ignoreCase: true }
              - { field: cn1, ge: 1 }
            dedupe: "esm-event-{{cn2}}"
            actions: [{ target: hook, create: { x: "{{cn2}}" } }]
          - name: correlation
            when:
              - { field: deviceVendor, equals: ArcSight, ignoreCase: true }
              - { field: deviceEventClassId, prefix: "rule:" }
              - { field: msg, regex: "brute|force", ignoreCase: true }
              - { field: src, exists: true }
              - { field: type, eq: 2 }
              - { field: syslog.host, prefix: esm }
            dedupe: "{{eventId}}"
            actions: [{ target: hook, create: { x: "{{src}}" } }]
          - name: never
            when:
              - { field: severity, gt: 100 }
            dedupe: "{{eventId}}"
            actions: [{ target: hook, create: { x: y } }]
        """;

    private static readonly byte[][] Messages =
    [
        // Matching decisions: the first two match a rule.
        Encoding.UTF8.GetBytes("<134>Nov 22 02:00:00 aeg01 aeg: CEF:0|HP|AEG|1.0|annotation|Annotation Event|5|shost=aeg01 duser=alice cs2=please re-image\\nnow cs2Label=current_comment cs3=Re-Image cs3Label=stage cn1=3 cn1Label=version cn2=4711 cn2Label=event_id"),
        Encoding.UTF8.GetBytes("<134>Nov 22 02:00:00 esm01 CEF:0|ArcSight|ArcSight|7.6|rule:101|Brute force|7|eventId=1 type=2 src=10.0.0.5 dst=10.0.0.9 msg=Brute Force \\= attempt"),
        // Non-matching ones: wrong vendor, missing keys, wrong stage, not a number, bad regex input.
        Encoding.UTF8.GetBytes("CEF:0|HP|AEG|1.0|annotation|Annotation Event|5|cs3=Closed cs3Label=stage cn1=3 cn2=4711"),
        Encoding.UTF8.GetBytes("CEF:0|HP|AEG|1.0|annotation|Annotation Event|5|cs3=re-image cs3Label=stage cn1=x cn2=4711"),
        Encoding.UTF8.GetBytes("CEF:0|Other|Thing|1|sig|Something happened|3|src=1.2.3.4 dst=5.6.7.8 msg=nothing here act=blocked"),
        Encoding.UTF8.GetBytes("<13>Nov 22 02:00:00 esm01 CEF:0|ArcSight|ArcSight|7.6|rule:101|Brute force|7|eventId=2 type=1 msg=unicode \u00e9\u00e8 brute"),
        // Rejected ones.
        Encoding.UTF8.GetBytes("this is not CEF"),
        Encoding.UTF8.GetBytes("CEF:0|HP|AEG|1.0|annotation"),
    ];

    [Fact]
    public void Matching_allocates_nothing_per_message()
    {
        var matcher = new RuleMatcher(RuleTestFiles.Compile(Rules));
        var matched = new int[matcher.Rules.Count];
        var total = 0;
        // Warm up: scratch buffers, regex state, JIT.
        for (var i = 0; i < 1000; i++)
        {
            total += MatchAll(matcher, matched);
        }
        Assert.Equal(2000, total);

        var before = GC.GetAllocatedBytesForCurrentThread();
        total = 0;
        for (var i = 0; i < 20_000; i++)
        {
            total += MatchAll(matcher, matched);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(40_000, total);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_handler_allocates_nothing_for_events_that_match_no_rule()
    {
        var matcher = new RuleMatcher(RuleTestFiles.Compile(Rules));
        var queue = new CountingQueue();
        var handler = new CefRuleHandler(matcher, queue, "(none)", new LoggerConfiguration().CreateLogger());
        var sender = new SenderCounters("127.0.0.1");
        var nonMatching = Messages[2..];
        for (var i = 0; i < 1000; i++)
        {
            foreach (var m in nonMatching)
            {
                handler.Handle(m, sender);
            }
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20_000; i++)
        {
            foreach (var m in nonMatching)
            {
                handler.Handle(m, sender);
            }
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(0, queue.Count);
        Assert.Equal(21_000 * 4, sender.Parsed);
        Assert.Equal(21_000 * 2, sender.Rejected);
        Assert.Equal(0, sender.Matched);
    }

    private static int MatchAll(RuleMatcher matcher, int[] matched)
    {
        var n = 0;
        foreach (var m in Messages)
        {
            var reader = new CefReader(m);
            n += matcher.Match(m, ref reader, matched);
        }
        return n;
    }

    private sealed class CountingQueue : ITicketQueue
    {
        public int Count;

        public bool TryEnqueue(TicketWork work)
        {
            Count++;
            return true;
        }
    }
}
