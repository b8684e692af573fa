using System.Text;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Tickets;
using Serilog.Events;

namespace Aeg.Tests.Rules;

public class CefRuleHandlerTests
{
    private const string Rules = """
        rules:
          - name: one
            when: [{ field: src, exists: true }]
            dedupe: "{{src}}"
            actions:
              - { target: rt, create: { Queue: SOC, Subject: "from {{src}} {{suser}}" } }
              - { target: hook, update: { note: "{{raw}}" } }
          - name: two
            when: [{ field: src, prefix: "10." }]
            dedupe: "two-{{src}}"
            actions: [{ target: hook, create: { x: "{{dst|no dst}}" } }]
        """;

    [Fact]
    public void Each_matched_rule_counts_once_and_queues_one_work_item_per_action()
    {
        var queue = new BoundedTicketQueue(new TicketQueueOptions { Capacity = 100 }, new LogCapture().Logger);
        var handler = new CefRuleHandler(new RuleMatcher(RuleTestFiles.Compile(Rules)), queue, "-", new LogCapture().Logger);
        var sender = new SenderCounters("192.0.2.1");
        const string frame = "CEF:0|a|b|1|c|d|5|src=10.0.0.1";
        handler.Handle(Encoding.UTF8.GetBytes(frame), sender);

        Assert.Equal((1, 2), (sender.Parsed, sender.Matched));
        var items = new List<TicketWork>();
        while (queue.Reader.TryRead(out var w))
        {
            items.Add(w);
        }
        Assert.Equal(["one/rt/10.0.0.1", "one/hook/10.0.0.1", "two/hook/two-10.0.0.1"], items.Select(w => $"{w.RuleName}/{w.Target}/{w.DedupeKey}"));
        Assert.Equal("from 10.0.0.1 -", items[0].OnCreate!["Subject"]);
        Assert.Null(items[0].OnUpdate);
        Assert.Null(items[1].OnCreate);
        Assert.Equal(frame, items[1].OnUpdate!["note"]);
        Assert.Equal("no dst", items[2].OnCreate!["x"]);
        Assert.All(items, w => Assert.Equal(frame, w.RawEvent));
    }

    [Fact]
    public void A_failing_queue_is_logged_and_counted_but_never_escapes_the_handler()
    {
        var sink = new LogCapture();
        var handler = new CefRuleHandler(new RuleMatcher(RuleTestFiles.Compile(Rules)), new ThrowingQueue(), "-", sink.Logger);
        var sender = new SenderCounters("192.0.2.1");
        handler.Handle("CEF:0|a|b|1|c|d|5|src=10.0.0.1"u8, sender);
        handler.Handle("CEF:0|a|b|1|c|d|5|src=10.0.0.2"u8, sender);
        Assert.Equal(2, handler.Failures);
        Assert.Equal(2, sender.Parsed);
        Assert.Equal(2, sink.Events.Count(e => e.Level == LogEventLevel.Error && e.Exception is InvalidOperationException));
    }

    private sealed class ThrowingQueue : ITicketQueue
    {
        public bool TryEnqueue(TicketWork work) => throw new InvalidOperationException("queue broken");
    }
}
