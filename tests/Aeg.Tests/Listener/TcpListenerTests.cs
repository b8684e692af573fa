using System.Net.Sockets;
using System.Text;
using Aeg.Listener;
using Aeg.Syslog;

namespace Aeg.Tests.Listener;

/// <summary>TcpSyslogListener over real loopback sockets: framing, oversized frames, allow-list, limits, stop.</summary>
public sealed class TcpListenerTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    internal static byte[][] SampleFrames() =>
    [
        B("<134>Nov 22 02:10:37 esm01 CEF:0|ArcSight|ArcSight|7.0|rule:101|Rule \\| fired|Medium|src=10.0.0.1 dst=10.0.0.2 cs1=jürgen ☕"),
        B("CEF:0|HP|AEG|1.0|1|Annotation Event|3|cs1=a\\=b cs2Label=stage cs2=re-image"),
        B("<165>1 2026-11-22T02:10:37.003Z aeg aeg 42 ANN - CEF:0|V|P|1|1|N|3|msg=" + new string('x', 3000)),
        B("CEF:0|V|P|1|1|N|3|"),
    ];

    private static byte[] LfFramed(IEnumerable<byte[]> frames, string terminator = "\n") =>
        [.. frames.SelectMany(f => f.Concat(B(terminator)))];

    private static byte[] OctetCounted(IEnumerable<byte[]> frames) =>
        [.. frames.SelectMany(f => B($"{f.Length} ").Concat(f))];

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\0")]
    public async Task Lf_framed_frames_arrive_byte_exact_and_in_order(string terminator)
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp });
        var frames = SampleFrames();
        using (var client = await listener.ConnectAsync())
        {
            await client.GetStream().WriteAsync(LfFramed(frames, terminator));
        }

        await WaitUntil.HoldsAsync(() => listener.Counters.ConnectionsActive == 0 && listener.Handler.Count == frames.Length, "all frames and the connection closed");
        Assert.Equal(frames, listener.Handler.Frames);
        Assert.Equal(frames.Length, listener.Counters.Frames);
        Assert.Equal(LfFramed(frames, terminator).Length, listener.Counters.Bytes);
        Assert.All(listener.Handler.Senders, s => Assert.Equal("127.0.0.1", s));
    }

    [Fact]
    public async Task Octet_counted_frames_arrive_byte_exact_including_line_breaks_inside()
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp });
        byte[][] frames = [.. SampleFrames(), B("CEF:0|V|P|1|1|N|3|msg=line one\nline two\r\n"), B("CEF:0|V|P|1|1|N|3|nul=\0x")];
        var bytes = OctetCounted(frames);
        using (var client = await listener.ConnectAsync())
        {
            // Small writes so frames and even length headers are split across reads.
            for (var at = 0; at < bytes.Length; at += 7)
            {
                await client.GetStream().WriteAsync(bytes.AsMemory(at, Math.Min(7, bytes.Length - at)));
            }
        }

        await WaitUntil.HoldsAsync(() => listener.Handler.Count == frames.Length && listener.Counters.ConnectionsActive == 0, "all frames");
        Assert.Equal(frames, listener.Handler.Frames);
        Assert.Equal(0, listener.Counters.FramesTruncated);
    }

    [Fact]
    public async Task A_frame_larger_than_the_pipe_buffer_arrives_whole()
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, MaxFrameSize = 1 << 20 });
        byte[][] frames = [B("CEF:0|V|P|1|1|N|3|msg=" + string.Concat(Enumerable.Range(0, 40_000).Select(i => (char)('a' + (i % 26))))), B("CEF:0|V|P|1|1|N|3|after=1")];
        using (var client = await listener.ConnectAsync())
        {
            await client.GetStream().WriteAsync(OctetCounted(frames));
        }

        await WaitUntil.HoldsAsync(() => listener.Handler.Count == 2, "both frames");
        Assert.Equal(frames, listener.Handler.Frames);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Oversized_frame_is_counted_and_skipped_and_the_next_frames_arrive(bool octetCounting)
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, MaxFrameSize = 1000 });
        var good1 = B("CEF:0|V|P|1|1|N|3|n=1");
        var big = B("CEF:0|V|P|1|1|N|3|msg=" + new string('z', 200_000));
        var good2 = B("CEF:0|V|P|1|1|N|3|n=2");
        var bytes = octetCounting ? OctetCounted([good1, big, good2]) : LfFramed([good1, big, good2]);
        using (var client = await listener.ConnectAsync())
        {
            await client.GetStream().WriteAsync(bytes);
        }

        await WaitUntil.HoldsAsync(() => listener.Counters.ConnectionsActive == 0 && listener.Handler.Count == 2, "two good frames and the connection closed");
        Assert.Equal([good1, good2], listener.Handler.Frames);
        Assert.Equal(1, listener.Counters.FramesOversized);
        Assert.Equal(1, listener.Host.Senders.Get(System.Net.IPAddress.Loopback).Oversized);
        Assert.Equal(2, listener.Host.Senders.Get(System.Net.IPAddress.Loopback).Received);
    }

    [Fact]
    public async Task Sender_outside_the_allow_list_is_refused_and_counted()
    {
        await using var refusing = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, Allow = ["10.0.0.0/8", "192.0.2.7"] });
        using (var client = await refusing.ConnectAsync())
        {
            // The listener closes at once; our write may or may not fail, the read sees the end.
            try
            {
                await client.GetStream().WriteAsync(LfFramed(SampleFrames()));
                var read = await client.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Equal(0, read);
            }
            catch (IOException)
            {
            }
        }

        await WaitUntil.HoldsAsync(() => refusing.Counters.ConnectionsRefused == 1, "one refused connection");
        Assert.Equal(0, refusing.Counters.ConnectionsAccepted);
        Assert.Equal(0, refusing.Handler.Count);

        await using var allowing = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, Allow = ["10.0.0.0/8", "127.0.0.0/8"] });
        using (var client = await allowing.ConnectAsync())
        {
            await client.GetStream().WriteAsync(LfFramed(SampleFrames()));
        }

        await WaitUntil.HoldsAsync(() => allowing.Handler.Count == SampleFrames().Length, "frames from an allowed sender");
        Assert.Equal(0, allowing.Counters.ConnectionsRefused);
    }

    [Fact]
    public async Task Many_concurrent_connections_each_keep_their_order_and_nothing_is_lost()
    {
        const int Connections = 40, PerConnection = 250;
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp });
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(async c =>
        {
            using var client = await listener.ConnectAsync();
            var frames = Enumerable.Range(0, PerConnection).Select(i => B($"CEF:0|V|P|1|1|N|3|conn={c} seq={i}")).ToArray();
            var bytes = c % 2 == 0 ? LfFramed(frames) : OctetCounted(frames);
            for (var at = 0; at < bytes.Length; at += 1500)
            {
                await client.GetStream().WriteAsync(bytes.AsMemory(at, Math.Min(1500, bytes.Length - at)));
            }
        }));

        await WaitUntil.HoldsAsync(() => listener.Handler.Count == Connections * PerConnection, $"{Connections * PerConnection} frames");
        var byConnection = listener.Handler.Frames.Select(f => Encoding.UTF8.GetString(f).Split('|')[^1].Split(' ')).GroupBy(p => p[0]).ToList();
        Assert.Equal(Connections, byConnection.Count);
        foreach (var group in byConnection)
        {
            Assert.Equal(Enumerable.Range(0, PerConnection).Select(i => $"seq={i}"), group.Select(p => p[1]));
        }

        Assert.Equal(Connections, listener.Counters.ConnectionsAccepted);
        Assert.Equal(Connections * PerConnection, listener.Host.Senders.Get(System.Net.IPAddress.Loopback).Received);
    }

    [Fact]
    public async Task Connections_beyond_maxConnections_are_refused()
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, MaxConnections = 2 });
        using var a = await listener.ConnectAsync();
        using var b = await listener.ConnectAsync();
        await WaitUntil.HoldsAsync(() => listener.Counters.ConnectionsActive == 2, "two open connections");
        using var c = await listener.ConnectAsync();
        await WaitUntil.HoldsAsync(() => listener.Counters.ConnectionsRefused == 1, "the third refused");

        await a.GetStream().WriteAsync(B("CEF:0|V|P|1|1|N|3|from=a\n"));
        await WaitUntil.HoldsAsync(() => listener.Handler.Count == 1, "the frame of an accepted connection");
    }

    [Fact]
    public async Task Stop_handles_frames_already_received_and_counts_a_partial_frame()
    {
        var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp });
        using var client = await listener.ConnectAsync();
        await WaitUntil.HoldsAsync(() => listener.Counters.ConnectionsAccepted == 1, "the connection accepted");
        var frames = Enumerable.Range(0, 200).Select(i => B($"CEF:0|V|P|1|1|N|3|seq={i}")).ToArray();
        await client.GetStream().WriteAsync(LfFramed(frames).Concat(B("CEF:0|partial")).ToArray());
        await WaitUntil.HoldsAsync(() => listener.Counters.Bytes > 0, "the first bytes read");

        await listener.Host.StopAsync();

        Assert.Equal(frames, listener.Handler.Frames);
        Assert.Equal(1, listener.Counters.FramesTruncated);
        Assert.Equal(0, listener.Counters.ConnectionsActive);
        await Assert.ThrowsAnyAsync<SocketException>(() => new TcpClient().ConnectAsync(listener.EndPoint));

        // A restart binds the same port at once, although the closed connection is in TIME_WAIT.
        await using var restarted = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp, Port = listener.EndPoint.Port });
        Assert.Equal(listener.EndPoint.Port, restarted.EndPoint.Port);
    }
}
