using System.Diagnostics;
using Aeg.Cef;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Syslog;
using Aeg.Tickets;

namespace Aeg.ListenerCompare;

/// <summary>Aeg's side: a TcpSyslogListener whose handler parses every CEF pair and runs the rule matcher.</summary>
internal static class Receiver
{
    public static async Task<int> RunAsync(int port, long warmup, long count, string handlerKind, string? rulesPath)
    {
        ICefMessageHandler? rules = null;
        var queue = new CountingQueue();
        if (handlerKind.Contains("rules"))
        {
            var path = rulesPath ?? throw new ArgumentException("--rules is required for the rules handler");
            var matcher = new RuleMatcher(RuleLoader.Load(path));
            rules = new CefRuleHandler(matcher, queue, "?", Serilog.Core.Logger.None);
        }

        var measure = new MeasuringHandler(warmup, count, fullParse: handlerKind.Contains("parse"), rules);
        // The default config: only the address and port are set (issue 19: the default must not lose a TCP event).
        var listener = new ListenerOptions { Protocol = SyslogProtocol.Tcp, Address = "127.0.0.1", Port = port };
        var options = new ListenOptions { Listeners = [listener] };
        await using var host = new ListenerHost(options, measure);
        await host.StartAsync();
        Console.WriteLine($"receiver: listening on {host.Listeners[0].LocalEndPoint} handler={handlerKind} senderMessagesPerSecond={listener.EffectiveSenderMessagesPerSecond}");

        await measure.Done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var seconds = Stopwatch.GetElapsedTime(measure.StartTimestamp, measure.EndTimestamp).TotalSeconds;
        var allocated = measure.EndAllocated - measure.StartAllocated;
        var sender = host.Senders.Snapshot()[0];
        var counters = host.Listeners[0].Counters;
        Console.WriteLine(
            $"aeg: messages={count} end_ms={measure.EndMs} inner_seconds={seconds:F3} inner_rate={count / seconds:F0} " +
            $"cpu_seconds={(measure.EndCpu - measure.StartCpu).TotalSeconds:F3} allocated_bytes={allocated} bytes_per_message={(double)allocated / count:F4} pairs={measure.Pairs} " +
            $"received={sender.Received} parsed={sender.Parsed} rejected={sender.Rejected} matched={sender.Matched} rate_limited={counters.FramesRateLimited} throttle_pauses={counters.ThrottleWaits} " +
            $"queued={queue.Count} gen0={GC.CollectionCount(0)}");
        return 0;
    }

    /// <summary>Counts ticket work instead of doing it: the benchmark has no ticket actions.</summary>
    private sealed class CountingQueue : ITicketQueue
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public bool TryEnqueue(TicketWork work)
        {
            Interlocked.Increment(ref _count);
            return true;
        }
    }

    /// <summary>Parses every extension pair (and the header), hands the frame to the rules, and marks the measured span.</summary>
    private sealed class MeasuringHandler(long warmup, long count, bool fullParse, ICefMessageHandler? rules) : ICefMessageHandler
    {
        private long _seen;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long StartTimestamp { get; private set; }
        public long EndTimestamp { get; private set; }
        public long StartAllocated { get; private set; }
        public long EndAllocated { get; private set; }
        public long EndMs { get; private set; }
        public TimeSpan StartCpu { get; private set; }
        public TimeSpan EndCpu { get; private set; }
        public long Pairs { get; private set; }

        public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender)
        {
            var seen = ++_seen;
            if (seen == warmup)
            {
                Console.WriteLine($"receiver: warmup done ({warmup} messages)");
            }

            if (seen == warmup + 1)
            {
                StartCpu = Environment.CpuUsage.TotalTime;
                StartAllocated = GC.GetTotalAllocatedBytes(precise: true);
                StartTimestamp = Stopwatch.GetTimestamp();
            }

            if (fullParse)
            {
                var reader = new CefReader(frame);
                if (reader.IsValid)
                {
                    var pairs = 0;
                    while (reader.ReadNextExtension())
                    {
                        pairs++;
                    }

                    Pairs += pairs;
                    if (rules is null)
                    {
                        sender.CountParsed();
                    }
                }
                else if (rules is null)
                {
                    sender.CountRejected();
                }
            }

            rules?.Handle(frame, sender);

            if (seen == warmup + count)
            {
                EndTimestamp = Stopwatch.GetTimestamp();
                EndMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                EndAllocated = GC.GetTotalAllocatedBytes(precise: true);
                EndCpu = Environment.CpuUsage.TotalTime;
                Done.TrySetResult();
            }
        }
    }
}
