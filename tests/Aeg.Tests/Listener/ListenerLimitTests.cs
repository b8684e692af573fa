using System.Net;
using System.Net.Sockets;
using System.Text;
using Aeg.Cef;
using Aeg.Listener;
using Aeg.Syslog;
using Aeg.Tests.Rules;
using Serilog.Events;

namespace Aeg.Tests.Listener;

/// <summary>Listener limits over real loopback sockets: per-sender rate, throttled warnings, bad data followed by good data.</summary>
public sealed class ListenerLimitTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[][] Numbered(string from, int count) =>
        [.. Enumerable.Range(0, count).Select(i => B($"CEF:0|V|P|1|1|N|3|from={from} n={i}"))];

    private static byte[] LfFramed(IEnumerable<byte[]> frames) => [.. frames.SelectMany(f => f.Concat("\n"u8.ToArray()))];

    private static async Task<(ListenerHost Host, CefRecordingHandler Handler, LogCapture Log)> StartAsync(ListenerOptions options)
    {
        options.Address = "127.0.0.1";
        options.Port = 0;
        var handler = new CefRecordingHandler();
        var log = new LogCapture();
        var host = new ListenerHost(new ListenOptions { Listeners = [options] }, handler, log.Logger);
        await host.StartAsync();
        return (host, handler, log);
    }

    private static int Warnings(LogCapture log, string about)
        => log.Events.Count(e => e.Level == LogEventLevel.Warning && e.MessageTemplate.Text.Contains(about, StringComparison.Ordinal));

    private static async Task<TcpClient> ConnectFromAsync(string localAddress, IPEndPoint server)
    {
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(localAddress), 0));
        await client.ConnectAsync(server);
        return client;
    }

    [Fact]
    public async Task Tcp_sender_over_its_rate_is_slowed_not_dropped_and_another_sender_is_not_slowed()
    {
        var (host, handler, log) = await StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, SenderMessagesPerSecond = 200, SenderBurst = 5 });
        await using var _ = host;
        var listener = host.Listeners[0];
        var flood = Numbered("a", 40);
        var calm = Numbered("b", 3);

        // Two senders: 127.0.0.1 and 127.0.0.2 (both loopback on Linux) are different source IPs.
        using (var a = await ConnectFromAsync("127.0.0.1", listener.LocalEndPoint!))
        using (var b = await ConnectFromAsync("127.0.0.2", listener.LocalEndPoint!))
        {
            await a.GetStream().WriteAsync(LfFramed(flood));
            await b.GetStream().WriteAsync(LfFramed(calm));
            await WaitUntil.HoldsAsync(() => handler.Frames.Count == flood.Length + calm.Length, "every frame handed on");
        }

        var senderA = host.Senders.Get(IPAddress.Parse("127.0.0.1"));
        var senderB = host.Senders.Get(IPAddress.Parse("127.0.0.2"));
        // All of a's frames, in order: the 35 over the burst waited (~175 ms at 200/s) instead of being dropped.
        Assert.Equal(flood, handler.Frames.Where(f => f.Sender == "127.0.0.1").Select(f => f.Frame));
        Assert.Equal(calm, handler.Frames.Where(f => f.Sender == "127.0.0.2").Select(f => f.Frame));
        Assert.Equal(0, senderA.RateLimited);
        Assert.Equal(0, listener.Counters.FramesRateLimited);
        Assert.True(listener.Counters.ThrottleWaits > 0, "a's connection paused");
        Assert.True(senderA.ThrottledMilliseconds > 0, "a was throttled");
        Assert.Equal(0, senderB.ThrottledMilliseconds);
        Assert.Equal(0, Warnings(log, "per-sender rate"));
    }

    [Fact]
    public async Task Udp_sender_over_its_rate_gets_its_burst_through()
    {
        var (host, handler, log) = await StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Udp, SenderMessagesPerSecond = 1, SenderBurst = 4 });
        await using var _ = host;
        var listener = host.Listeners[0];
        var frames = Numbered("udp", 20);
        using (var client = new UdpClient(AddressFamily.InterNetwork))
        {
            foreach (var frame in frames)
            {
                await client.SendAsync(frame, listener.LocalEndPoint!);
            }

            await WaitUntil.HoldsAsync(() => listener.Counters.Frames == frames.Length, "every datagram read");
        }

        Assert.InRange(handler.Frames.Count, 4, 6);
        Assert.Equal(frames.Take(handler.Frames.Count), handler.Frames.Select(f => f.Frame));
        Assert.Equal(frames.Length - handler.Frames.Count, listener.Counters.FramesRateLimited);
        Assert.InRange(Warnings(log, "per-sender rate"), 1, 2);
    }

    [Fact]
    public async Task Rate_limit_zero_lets_every_message_through()
    {
        var (host, handler, _) = await StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, SenderMessagesPerSecond = 0, SenderBurst = 1 });
        await using var __ = host;
        var frames = Numbered("a", 200);
        using (var client = await ConnectFromAsync("127.0.0.1", host.Listeners[0].LocalEndPoint!))
        {
            await client.GetStream().WriteAsync(LfFramed(frames));
            await WaitUntil.HoldsAsync(() => handler.Frames.Count == frames.Length, "all 200 frames");
        }

        Assert.Equal(0, host.Listeners[0].Counters.FramesRateLimited);
    }

    [Fact]
    public async Task A_connection_that_sends_bad_data_then_good_data_keeps_working_and_warnings_are_throttled()
    {
        var (host, handler, log) = await StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, MaxFrameSize = 1000 });
        await using var _ = host;
        var listener = host.Listeners[0];
        using var client = await ConnectFromAsync("127.0.0.1", listener.LocalEndPoint!);
        var stream = client.GetStream();

        // Octet counting first, then a length that is not one: the connection falls back to LF.
        var first = B("CEF:0|V|P|1|1|N|3|n=first");
        await stream.WriteAsync(B($"{first.Length} ").Concat(first).Concat(B("12x not a length\n")).ToArray());
        // Twenty oversized lines, binary junk with NULs and invalid UTF-8, a line that is not CEF.
        for (var i = 0; i < 20; i++)
        {
            await stream.WriteAsync(B(new string('z', 5000) + "\n"));
        }

        await stream.WriteAsync(new byte[] { 0xFF, 0xFE, 0xC0, 0xAF, (byte)'|', (byte)'=', 0x00, 0xED, 0xA0, 0x80, (byte)'\n' });
        await stream.WriteAsync(B("CEF:0|truncated header\n"));
        await WaitUntil.HoldsAsync(() => listener.Counters.FramesOversized == 20 && listener.Counters.FramingErrors == 1, "the bad data counted");

        // The same connection, still open, delivers good messages afterwards.
        var good = Numbered("after", 5);
        await stream.WriteAsync(LfFramed(good));
        await WaitUntil.HoldsAsync(() => handler.Parsed.Count == 1 + good.Length, "the good messages after the bad ones");

        Assert.Equal(1, listener.Counters.ConnectionsActive);
        Assert.Equal(new[] { first }.Concat(good), handler.Parsed);
        Assert.True(handler.Rejected.Count >= 2, $"the junk reached the parser and was rejected ({handler.Rejected.Count})");
        Assert.Equal(0, listener.Counters.HandlerErrors);
        Assert.InRange(Warnings(log, "over maxFrameSize"), 1, 2);
        Assert.InRange(Warnings(log, "malformed octet-counting"), 1, 1);
    }

    [Fact]
    public void Log_throttle_lets_one_warning_through_per_interval_and_counts_the_rest()
    {
        var throttle = new LogThrottle(TimeSpan.FromHours(1));
        Assert.True(throttle.TryTake(out var first));
        Assert.Equal(1, first);
        for (var i = 0; i < 99; i++)
        {
            Assert.False(throttle.TryTake(out _));
        }

        var open = new LogThrottle(TimeSpan.Zero);
        Assert.True(open.TryTake(out _));
        Assert.True(open.TryTake(out var next));
        Assert.Equal(1, next);
    }
}

/// <summary>Parses every frame with CefReader, as the rule handler does, and keeps accepted and rejected frames apart.</summary>
internal sealed class CefRecordingHandler : ICefMessageHandler
{
    private readonly Lock _gate = new();
    private readonly List<(string Sender, byte[] Frame)> _frames = [];
    private readonly List<byte[]> _parsed = [], _rejected = [];

    public IReadOnlyList<(string Sender, byte[] Frame)> Frames { get { lock (_gate) { return [.. _frames]; } } }
    public IReadOnlyList<byte[]> Parsed { get { lock (_gate) { return [.. _parsed]; } } }
    public IReadOnlyList<byte[]> Rejected { get { lock (_gate) { return [.. _rejected]; } } }

    public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender)
    {
        var reader = new CefReader(frame);
        while (reader.ReadNextExtension())
        {
        }

        lock (_gate)
        {
            _frames.Add((sender.Address, frame.ToArray()));
            (reader.Error == CefError.None ? _parsed : _rejected).Add(frame.ToArray());
        }
    }
}

/// <summary>The rate limit keeps the listener path free of per-message allocations.</summary>
public sealed class ListenerLimitAllocationTests
{
    [Fact]
    public void Admitting_messages_of_a_known_sender_allocates_nothing()
    {
        var options = new ListenerOptions { SenderMessagesPerSecond = 1_000_000, SenderBurst = 1_000_000 };
        using var limits = new ListenerLimits(options, new ListenerCounters(), log: null);
        var sender = new SenderCounters("192.0.2.7");
        Assert.True(limits.TryAdmit(sender)); // the first message creates the sender's bucket

        var before = GC.GetAllocatedBytesForCurrentThread();
        var admitted = 0;
        for (var i = 0; i < 10_000; i++)
        {
            admitted += limits.TryAdmit(sender) ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10_000, admitted);
        Assert.Equal(0, allocated);
    }
}
