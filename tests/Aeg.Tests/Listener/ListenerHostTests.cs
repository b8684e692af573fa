using System.Net;
using System.Net.Sockets;
using System.Text;
using Aeg.Listener;
using Aeg.Syslog;

namespace Aeg.Tests.Listener;

/// <summary>ListenerHost: bind failures name the listener; dual-stack listeners see IPv4 senders as IPv4.</summary>
public sealed class ListenerHostTests
{
    [Fact]
    public async Task A_port_in_use_fails_start_with_the_listener_name_and_stops_the_others()
    {
        await using var first = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp });
        var port = first.EndPoint.Port;
        var options = new ListenOptions
        {
            Listeners =
            [
                new ListenerOptions { Protocol = SyslogProtocol.Udp, Address = "127.0.0.1", Port = 0 },
                new ListenerOptions { Protocol = SyslogProtocol.Tcp, Address = "127.0.0.1", Port = port },
            ],
        };
        var host = new ListenerHost(options, new RecordingHandler());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(host.StartAsync);
        Assert.Contains($"tcp/127.0.0.1:{port}", ex.Message);
        // The UDP listener that had started is closed again: its port can be bound anew.
        var udpPort = host.Listeners[0].LocalEndPoint!.Port;
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, udpPort));
    }

    [Theory]
    [InlineData(SyslogProtocol.Udp)]
    [InlineData(SyslogProtocol.Tcp)]
    public async Task Dual_stack_listener_counts_and_allows_ipv4_senders_as_ipv4(SyslogProtocol protocol)
    {
        var handler = new RecordingHandler();
        var options = new ListenOptions
        {
            Listeners = [new ListenerOptions { Protocol = protocol, Address = "::", Port = 0, Allow = ["127.0.0.0/8"] }],
        };
        await using var host = new ListenerHost(options, handler);
        await host.StartAsync();
        var port = host.Listeners[0].LocalEndPoint!.Port;
        var frame = Encoding.UTF8.GetBytes("CEF:0|V|P|1|1|N|3|dual=1");
        if (protocol == SyslogProtocol.Udp)
        {
            using var client = new UdpClient(AddressFamily.InterNetwork);
            await client.SendAsync(frame, new IPEndPoint(IPAddress.Loopback, port));
        }
        else
        {
            using var client = new TcpClient(AddressFamily.InterNetwork);
            await client.ConnectAsync(IPAddress.Loopback, port);
            await client.GetStream().WriteAsync(frame.Append((byte)'\n').ToArray());
        }

        await WaitUntil.HoldsAsync(() => handler.Count == 1, "the frame");
        Assert.Equal("127.0.0.1", handler.Senders[0]);
        Assert.Equal(1, host.Senders.Get(IPAddress.Loopback).Received);
        Assert.Equal(0, host.Listeners[0].Counters.DatagramsRefused + host.Listeners[0].Counters.ConnectionsRefused);
    }
}
