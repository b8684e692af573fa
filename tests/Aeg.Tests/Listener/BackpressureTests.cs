using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Aeg.Cef;
using Aeg.Listener;
using Aeg.Syslog;
using Serilog.Events;

namespace Aeg.Tests.Listener;

/// <summary>
/// Over senderMessagesPerSecond a TCP or TLS sender is read more slowly and loses nothing; UDP
/// drops and counts (<see cref="ListenerLimitTests"/>). Real loopback sockets; the clock is only
/// used for lower bounds that a slow machine can only make easier to meet.
/// </summary>
public sealed class BackpressureTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    // Lines of exactly 500 bytes with their LF, numbered so order and completeness can be checked.
    private static byte[] Lines(int count, int from = 0)
    {
        var output = new MemoryStream();
        for (var i = from; i < from + count; i++)
        {
            var head = $"CEF:0|V|P|1|1|N|3|n={i} msg=";
            output.Write(Encoding.ASCII.GetBytes(head.PadRight(499, 'x')));
            output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }

    private static void AssertAllInOrder(TestListener listener, int count)
    {
        var frames = listener.Handler.Frames;
        Assert.Equal(count, frames.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.StartsWith($"CEF:0|V|P|1|1|N|3|n={i} ", Encoding.ASCII.GetString(frames[i]));
        }
    }

    private static ListenerOptions Limited(SyslogProtocol protocol, int rate, int burst) => new()
    {
        Protocol = protocol,
        SenderMessagesPerSecond = rate,
        SenderBurst = burst,
        // Small kernel buffers, so the sender's writes block soon after the listener stops reading.
        ReceiveBufferSize = 64 * 1024,
    };

    [Fact]
    public async Task Tcp_sender_over_the_rate_is_slowed_until_its_writes_block_and_every_line_is_handed_on()
    {
        const int Count = 30_000, Rate = 10_000, Burst = 1_000;
        await using var listener = await TestListener.StartAsync(Limited(SyslogProtocol.Tcp, Rate, Burst));
        var data = Lines(Count);
        var clock = Stopwatch.StartNew();
        using (var client = new TcpClient { SendBufferSize = 64 * 1024 })
        {
            await client.ConnectAsync(listener.EndPoint);
            await client.GetStream().WriteAsync(data);
            var writeSeconds = clock.Elapsed.TotalSeconds;
            // The write returns once the last bytes are in the kernel, i.e. once the listener has
            // taken all but what the socket buffers and its pipe hold (well under 1 MB = 2,000 lines here).
            var bound = (Count - Burst - 2_000) / (double)Rate;
            Assert.True(writeSeconds >= bound, $"the sender's write finished after {writeSeconds:F2} s; backpressure holds it at least {bound:F2} s");
        }

        await WaitUntil.HoldsAsync(() => listener.Handler.Count == Count, $"{Count} lines");
        var seconds = clock.Elapsed.TotalSeconds;
        // No more than the burst plus the rate times the elapsed time can have been handed on.
        Assert.True(seconds >= (Count - Burst) / (double)Rate, $"{Count} lines in {seconds:F2} s is over the rate");
        AssertAllInOrder(listener, Count);
        var sender = listener.Host.Senders.Get(IPAddress.Loopback);
        Assert.Equal(Count, sender.Received);
        Assert.Equal(0, sender.RateLimited);
        Assert.Equal(0, listener.Counters.FramesRateLimited);
        Assert.True(listener.Counters.ThrottleWaits > 10, $"{listener.Counters.ThrottleWaits} pauses");
        Assert.True(sender.ThrottledMilliseconds >= 1_000, $"throttled {sender.ThrottledMilliseconds} ms");
    }

    [Fact]
    public async Task Tls_sender_over_the_rate_is_slowed_and_every_line_is_handed_on()
    {
        const int Count = 4_000, Rate = 2_000, Burst = 100;
        var options = Limited(SyslogProtocol.Tls, Rate, Burst);
        options.TlsCertificateFile = _certs.ServerCertFile;
        options.TlsKeyFile = _certs.ServerKeyFile;
        await using var listener = await TestListener.StartAsync(options);
        var clock = Stopwatch.StartNew();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(listener.EndPoint);
            await using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            trust.CustomTrustStore.Add(_certs.Ca);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", CertificateChainPolicy = trust });
            await ssl.WriteAsync(Lines(Count));
            await WaitUntil.HoldsAsync(() => listener.Handler.Count == Count, $"{Count} lines over TLS");
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Assert.True(seconds >= (Count - Burst) / (double)Rate, $"{Count} lines in {seconds:F2} s is over the rate");
        AssertAllInOrder(listener, Count);
        Assert.Equal(0, listener.Counters.FramesRateLimited);
        Assert.True(listener.Counters.ThrottleWaits > 0, "the TLS connection paused");
    }

    [Fact]
    public async Task Udp_sender_over_the_rate_has_its_excess_dropped_and_counted()
    {
        // UDP cannot push back, so it drops (its default rate is checked below). A low rate keeps
        // the sender over it however slowly a loaded machine sends: the drops have a lower bound.
        const int rate = 1_000, burst = 10;
        var options = new ListenerOptions { Protocol = SyslogProtocol.Udp, SenderMessagesPerSecond = rate, SenderBurst = burst, ReceiveBufferSize = 4 << 20 };
        await using var listener = await TestListener.StartAsync(options);
        using var client = new UdpClient(AddressFamily.InterNetwork);
        var datagram = Encoding.ASCII.GetBytes("CEF:0|V|P|1|1|N|3|n=1");
        var sending = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 2_000; i++)
        {
            await client.SendAsync(datagram, listener.EndPoint);
        }

        // Loopback may lose a datagram under load; the ones read are either handed on or counted.
        // The listener's and the sender's drop counters are two increments: wait for both.
        await WaitUntil.HoldsAsync(() => listener.Counters.Frames > 1_000 && listener.Counters.Frames == listener.Handler.Count + listener.Counters.FramesRateLimited
            && listener.Counters.FramesRateLimited == listener.Host.Senders.Get(IPAddress.Loopback).RateLimited,
            "the datagrams read are handed on or counted as dropped, by the listener and by the sender");
        var allowed = burst + (rate * sending.Elapsed.TotalSeconds);
        Assert.True(listener.Handler.Count <= allowed, $"{listener.Handler.Count} handed on, at most {allowed:F0} allowed");
        Assert.True(listener.Counters.FramesRateLimited > 0, "over the rate, some were dropped");
        Assert.Equal(listener.Counters.FramesRateLimited, listener.Host.Senders.Get(IPAddress.Loopback).RateLimited);
        Assert.Equal(0, listener.Counters.ThrottleWaits);
    }

    [Fact]
    public async Task Tcp_has_no_rate_limit_by_default_and_udp_keeps_its_default()
    {
        Assert.Equal(0, new ListenerOptions { Protocol = SyslogProtocol.Tcp }.EffectiveSenderMessagesPerSecond);
        Assert.Equal(0, new ListenerOptions { Protocol = SyslogProtocol.Tls }.EffectiveSenderMessagesPerSecond);
        Assert.Equal(50_000, new ListenerOptions { Protocol = SyslogProtocol.Udp }.EffectiveSenderMessagesPerSecond);
        Assert.Equal(7, new ListenerOptions { Protocol = SyslogProtocol.Tcp, SenderMessagesPerSecond = 7 }.EffectiveSenderMessagesPerSecond);
        Assert.Equal(0, new ListenerOptions { Protocol = SyslogProtocol.Udp, SenderMessagesPerSecond = 0 }.EffectiveSenderMessagesPerSecond);

        // A burst far over the old 50,000/s default with the default config: nothing paused, nothing dropped.
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, SenderBurst = 1 });
        using (var client = await listener.ConnectAsync())
        {
            await client.GetStream().WriteAsync(Lines(5_000));
        }

        await WaitUntil.HoldsAsync(() => listener.Handler.Count == 5_000, "5,000 lines");
        Assert.Equal(0, listener.Counters.ThrottleWaits);
        Assert.Equal(0, listener.Counters.FramesRateLimited);
    }

    [Fact]
    public async Task A_connector_catching_up_over_tcp_with_the_default_config_loses_nothing()
    {
        // Issue 19: 2,000,000 lines over one connection, 136,496 parsed under the old default
        // (50,000/s, burst 100,000). 300,000 here, sent as fast as loopback takes them.
        const int Count = 300_000;
        var handler = new RecordingCount();
        var options = new ListenerOptions { Protocol = SyslogProtocol.Tcp, Address = "127.0.0.1", Port = 0 };
        await using var host = new ListenerHost(new ListenOptions { Listeners = [options] }, handler);
        await host.StartAsync();
        var line = Encoding.ASCII.GetBytes("CEF:0|ArcSight|ArcSight|7.6|rule:1|Catch-up|3|type=1 eventId=1\n");
        var data = new byte[line.Length * Count];
        for (var i = 0; i < Count; i++)
        {
            line.CopyTo(data, i * line.Length);
        }

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(host.Listeners[0].LocalEndPoint!);
            await client.GetStream().WriteAsync(data);
        }

        await WaitUntil.HoldsAsync(() => handler.Count == Count, $"{Count} lines");
        Assert.Equal(Count, host.Senders.Get(IPAddress.Loopback).Received);
        Assert.Equal(0, host.Listeners[0].Counters.FramesRateLimited);
        Assert.Equal(0, host.Listeners[0].Counters.ThrottleWaits);
    }

    [Fact]
    public async Task Stopping_while_a_connection_is_throttled_drains_what_was_sent_without_the_limit()
    {
        const int Count = 200;
        var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, SenderMessagesPerSecond = 1, SenderBurst = 10 });
        using var client = await listener.ConnectAsync();
        await client.GetStream().WriteAsync(Lines(Count));
        // The burst of 10 (one more a second on a slow run); the rest is held.
        await WaitUntil.HoldsAsync(() => listener.Handler.Count >= 10, "the burst handed on, the rest held");
        Assert.True(listener.Handler.Count < Count, "the sender was held to its rate before the stop");

        // At 1/s the rest would take minutes; a stop reads what the sender already sent.
        var clock = Stopwatch.StartNew();
        await listener.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the stop took {clock.Elapsed}");
        AssertAllInOrder(listener, Count);
        Assert.Equal(0, listener.Counters.FramesTruncated);
    }

    [Fact]
    public void Dispatching_with_a_bucket_hands_on_only_what_it_has_tokens_for_and_allocates_nothing()
    {
        // Several times, counting the least: the runtime may allocate on this thread once, as
        // code is loaded or re-compiled (tiering, on-stack replacement), which is not the path's
        // cost; an allocation per frame would show in every run.
        var allocations = new List<long>();
        for (var run = 0; run < 5; run++)
        {
            var (throttled, handed, left, allocated, tokensLeft) = DispatchOverTheBucket();
            Assert.True(throttled);
            Assert.Equal(1 + 2_499, handed);
            Assert.Equal((3_000 - 2_499) * 500, left); // the rest waits in the buffer
            Assert.Equal(0, tokensLeft); // and the bucket is empty, no token kept back
            allocations.Add(allocated);
        }

        Assert.True(allocations.Min() == 0, $"bytes allocated per run: {string.Join(", ", allocations)}");
    }

    private static (bool Throttled, long Handed, long Left, long Allocated, long TokensLeft) DispatchOverTheBucket()
    {
        var frames = Lines(3_000);
        var handler = new RecordingCount();
        var sender = new SenderCounters("192.0.2.7");
        var bucket = new TokenBucket(perSecond: 1, capacity: 2_500, now: Stopwatch.GetTimestamp());
        using var dispatcher = new FrameDispatcher(new SyslogFrameReader(), handler, sender, new ListenerCounters(), null, "test", bucket: bucket);
        var warm = new ReadOnlySequence<byte>(Lines(1));
        dispatcher.Dispatch(ref warm);

        var buffer = new ReadOnlySequence<byte>(frames);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var throttled = dispatcher.Dispatch(ref buffer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (throttled, handler.Count, buffer.Length, allocated, bucket.Take(10, Stopwatch.GetTimestamp()));
    }

    [Fact]
    public void Token_bucket_starts_full_refills_at_its_rate_and_keeps_no_more_than_its_capacity()
    {
        var second = Stopwatch.Frequency;
        var bucket = new TokenBucket(perSecond: 100, capacity: 50, now: 0);
        Assert.Equal(50, bucket.Take(80, 0));
        Assert.Equal(0, bucket.Take(1, 0));
        Assert.Equal(second / 10, bucket.TicksUntil(10, 0));    // 10 tokens at 100/s: 100 ms
        Assert.Equal(second / 2, bucket.TicksUntil(500, 0));    // asking over the capacity waits for a full bucket
        Assert.Equal(10, bucket.Take(80, second / 10));
        Assert.Equal(0, bucket.TicksUntil(0, second / 10));
        bucket.Return(5);
        Assert.Equal(5, bucket.Take(80, second / 10));
        Assert.Equal(50, bucket.Take(80, 100 * second));        // a long quiet spell fills it only to the capacity
        bucket.Return(500);
        Assert.Equal(50, bucket.Take(80, 100 * second));        // nor do returned tokens overfill it
    }

    [Fact]
    public async Task Debug_lines_name_each_connection_and_throttling_and_are_rate_limited()
    {
        var log = new LogCapture();
        var options = new ListenerOptions { Protocol = SyslogProtocol.Tcp, Address = "127.0.0.1", Port = 0, SenderMessagesPerSecond = 500, SenderBurst = 10 };
        var clock = Stopwatch.StartNew();
        var host = new ListenerHost(new ListenOptions { Listeners = [options] }, new RecordingHandler(), log.Logger);
        await host.StartAsync();
        var endPoint = host.Listeners[0].LocalEndPoint!;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(endPoint);
            await client.GetStream().WriteAsync(Lines(100));
            await WaitUntil.HoldsAsync(() => host.Senders.Get(IPAddress.Loopback).ThrottledMilliseconds > 0, "throttled");
        }

        await WaitUntil.HoldsAsync(() => host.Listeners[0].Counters.ConnectionsActive == 0, "closed");
        for (var i = 0; i < 100; i++)
        {
            using var quick = new TcpClient();
            await quick.ConnectAsync(endPoint);
        }

        await WaitUntil.HoldsAsync(() => host.Listeners[0].Counters.ConnectionsActive == 0 && host.Listeners[0].Counters.ConnectionsAccepted == 101, "all closed");
        var seconds = clock.Elapsed.TotalSeconds;
        await host.StopAsync();

        var debug = log.Lines(LogEventLevel.Debug).ToList();
        Assert.Contains(debug, l => l.Contains("accepted", StringComparison.Ordinal));
        Assert.Contains(debug, l => l.Contains("reading its connection more slowly", StringComparison.Ordinal));
        Assert.Contains(debug, l => l.Contains("closed its connection while throttled", StringComparison.Ordinal) || l.Contains("back under its rate", StringComparison.Ordinal));
        Assert.Contains(debug, l => l.Contains("100 frames", StringComparison.Ordinal));
        // Over 200 events, but no more DBG lines than the burst of 20 plus five a second.
        var lines = debug.Count(l => l.StartsWith("Listener ", StringComparison.Ordinal));
        Assert.True(lines <= 20 + (5 * seconds) + 1, $"{lines} DBG lines from the listener in {seconds:F2} s");
    }

    [Fact]
    public async Task Without_debug_no_listener_debug_line_is_made()
    {
        var log = new LogCapture();
        var quiet = new Serilog.LoggerConfiguration().MinimumLevel.Information().WriteTo.Logger(log.Logger).CreateLogger();
        var options = new ListenerOptions { Protocol = SyslogProtocol.Tcp, Address = "127.0.0.1", Port = 0, SenderMessagesPerSecond = 500, SenderBurst = 10 };
        var host = new ListenerHost(new ListenOptions { Listeners = [options] }, new RecordingHandler(), quiet);
        await host.StartAsync();
        Assert.False(((SyslogListener)host.Listeners[0]).Limits.DebugEnabled);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(host.Listeners[0].LocalEndPoint!);
            await client.GetStream().WriteAsync(Lines(100));
            await WaitUntil.HoldsAsync(() => host.Senders.Get(IPAddress.Loopback).ThrottledMilliseconds > 0, "throttled");
        }

        await host.StopAsync();
        Assert.Empty(log.Lines(LogEventLevel.Debug));
    }

    private sealed class RecordingCount : ICefMessageHandler
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender) => Interlocked.Increment(ref _count);
    }
}
