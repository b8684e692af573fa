using System.Net;
using System.Net.Sockets;
using System.Text;
using Aeg.Listener;
using Aeg.Syslog;

namespace Aeg.Tests.Listener;

/// <summary>UdpSyslogListener over real loopback sockets: one datagram is one frame.</summary>
public sealed class UdpListenerTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Datagrams_arrive_byte_exact_without_a_trailing_line_break()
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Udp });
        using var client = new UdpClient(AddressFamily.InterNetwork);
        var frames = TcpListenerTests.SampleFrames();
        string[] endings = ["", "\n", "\r\n", "\0"];
        for (var i = 0; i < frames.Length; i++)
        {
            // One at a time: UDP may reorder or drop under pressure, and order is asserted.
            await client.SendAsync(frames[i].Concat(B(endings[i % endings.Length])).ToArray(), listener.EndPoint);
            var expected = i + 1;
            await WaitUntil.HoldsAsync(() => listener.Handler.Count == expected, $"datagram {expected}");
        }

        Assert.Equal(frames, listener.Handler.Frames);
        Assert.Equal(frames.Length, listener.Host.Senders.Get(IPAddress.Loopback).Received);
        Assert.All(listener.Handler.Senders, s => Assert.Equal("127.0.0.1", s));
    }

    [Fact]
    public async Task Oversized_datagram_is_counted_and_dropped()
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Udp, MaxFrameSize = 100 });
        using var client = new UdpClient(AddressFamily.InterNetwork);
        await client.SendAsync(B("CEF:0|V|P|1|1|N|3|msg=" + new string('x', 500)), listener.EndPoint);
        await client.SendAsync(B("CEF:0|V|P|1|1|N|3|ok=1"), listener.EndPoint);

        await WaitUntil.HoldsAsync(() => listener.Counters.FramesOversized == 1 && listener.Handler.Count == 1, "one oversized, one good");
        Assert.Equal("CEF:0|V|P|1|1|N|3|ok=1", Encoding.UTF8.GetString(listener.Handler.Frames[0]));
        Assert.Equal(1, listener.Host.Senders.Get(IPAddress.Loopback).Oversized);
    }

    [Fact]
    public async Task Datagrams_from_senders_outside_the_allow_list_are_dropped_and_counted()
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Udp, Allow = ["10.1.2.0/24"] });
        using var client = new UdpClient(AddressFamily.InterNetwork);
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(B($"CEF:0|V|P|1|1|N|3|n={i}"), listener.EndPoint);
        }

        await WaitUntil.HoldsAsync(() => listener.Counters.DatagramsRefused == 3, "three refused datagrams");
        Assert.Equal(0, listener.Handler.Count);
        Assert.Equal(0, listener.Counters.Frames);
        Assert.Empty(listener.Host.Senders.Snapshot());
    }

    [Fact]
    public void Senders_beyond_maxSenders_share_the_other_counters()
    {
        var registry = new SenderRegistry(maxSenders: 2);
        var a = registry.Get(IPAddress.Parse("10.0.0.1"));
        var b = registry.Get(IPAddress.Parse("::ffff:10.0.0.2"));
        var c = registry.Get(IPAddress.Parse("10.0.0.3"));
        var aAgain = registry.Get(IPAddress.Parse("10.0.0.1"));
        c.CountReceived();

        Assert.Same(a, aAgain);
        Assert.Equal("10.0.0.2", b.Address);
        Assert.Same(registry.Other, c);
        Assert.Equal(["10.0.0.1", "10.0.0.2", SenderRegistry.OtherAddress], registry.Snapshot().Select(s => s.Address));
    }
}
