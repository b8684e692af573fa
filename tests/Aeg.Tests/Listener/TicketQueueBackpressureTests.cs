using System.Net;
using System.Net.Sockets;
using System.Text;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Syslog;
using Aeg.Tests.Rules;
using Aeg.Tickets;

namespace Aeg.Tests.Listener;

/// <summary>
/// A full ticket queue slows a TCP sender instead of shedding its work (issue 19: nothing lost on
/// the ticket path); UDP work is still shed and counted. Real loopback sockets, the real rule handler
/// and queue; the test is the queue's only reader, so it decides when there is room.
/// </summary>
public sealed class TicketQueueBackpressureTests
{
    private const string EveryEvent = """
        rules:
          - name: all
            when: [{ field: cn1, exists: true }]
            dedupe: "k{{cn1}}"
            actions: [{ target: rt, update: { Comment: "{{cn1}}" } }]
        """;

    private static byte[] Lines(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append("CEF:0|V|P|1|1|N|3|cn1=").Append(i).Append(" msg=").Append('x', 200).Append('\n');
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static (BoundedTicketQueue Queue, CefRuleHandler Handler) Pipeline(int capacity)
    {
        var log = new LogCapture().Logger;
        var queue = new BoundedTicketQueue(new TicketQueueOptions { Capacity = capacity, Shed = TicketShedMode.Oldest }, log);
        return (queue, new CefRuleHandler(new RuleMatcher(RuleTestFiles.Compile(EveryEvent)), queue, "-", log));
    }

    [Fact]
    public async Task Tcp_sender_waits_while_the_ticket_queue_is_full_and_every_matched_event_reaches_it_in_order()
    {
        const int Count = 20_000, Capacity = 100;
        var (queue, handler) = Pipeline(Capacity);
        // Small kernel buffers, so the sender's write cannot finish while the listener waits.
        var options = new ListenerOptions { Protocol = SyslogProtocol.Tcp, Address = "127.0.0.1", Port = 0, ReceiveBufferSize = 64 * 1024 };
        var host = new ListenerHost(new ListenOptions { Listeners = [options] }, handler);
        await host.StartAsync();
        try
        {
            using var client = new TcpClient { SendBufferSize = 64 * 1024 };
            await client.ConnectAsync(host.Listeners[0].LocalEndPoint!);
            var send = client.GetStream().WriteAsync(Lines(Count)).AsTask();

            // Nobody reads the queue yet: the listener must stop at the capacity (plus the one frame in hand).
            var counters = host.Listeners[0].Counters;
            await WaitUntil.HoldsAsync(() => counters.HandlerPauses > 0, "the connection to pause on the full queue");
            Assert.InRange(queue.Count, Capacity, Capacity + 1);
            Assert.False(send.IsCompleted, "20,000 lines (4.5 MB) cannot all sit in socket buffers while the listener waits");

            var comments = new List<string>();
            await foreach (var work in queue.Reader.ReadAllAsync())
            {
                comments.Add(work.OnUpdate!["Comment"]);
                if (comments.Count == Count)
                {
                    break;
                }
            }
            await send;

            Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), comments);
            Assert.Equal(0, queue.Shed);
            Assert.Equal(Count, host.Senders.Get(IPAddress.Loopback).Matched);
            Assert.True(counters.HandlerPauses > 1, $"{counters.HandlerPauses} pauses");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Udp_work_over_the_capacity_is_shed_and_counted_as_before()
    {
        const int Count = 50, Capacity = 10;
        var (queue, handler) = Pipeline(Capacity);
        var host = new ListenerHost(new ListenOptions { Listeners = [new ListenerOptions { Protocol = SyslogProtocol.Udp, Address = "127.0.0.1", Port = 0 }] }, handler);
        await host.StartAsync();
        try
        {
            using var client = new UdpClient();
            var lines = Encoding.ASCII.GetString(Lines(Count)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines)
            {
                await client.SendAsync(Encoding.ASCII.GetBytes(line), host.Listeners[0].LocalEndPoint!);
            }
            var sender = host.Senders.Get(IPAddress.Loopback);
            // Loopback UDP may lose datagrams in the kernel; the queue's books must balance over what arrived.
            await WaitUntil.HoldsAsync(() => sender.Matched > Capacity && queue.Enqueued == sender.Matched, "datagrams to be matched");
            Assert.Equal(Capacity, queue.Count);
            Assert.Equal(sender.Matched - Capacity, queue.Shed);
            Assert.Equal(0, host.Listeners[0].Counters.HandlerPauses);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
