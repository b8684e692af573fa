using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aeg.Listener;
using Aeg.Syslog;

namespace Aeg.ListenerCompare;

/// <summary>
/// Bytes allocated per datagram on the UDP listener's path (receive, sender lookup, handler call),
/// in one process: a connected socket sends bursts and waits (spinning, allocation-free) until the
/// listener has handled them, so loss on loopback cannot stall the check.
/// </summary>
internal static class UdpAllocationCheck
{
    public static async Task<int> RunAsync(long count, int size)
    {
        var handler = new CountingHandler();
        var options = new ListenOptions { Listeners = [new ListenerOptions { Protocol = SyslogProtocol.Udp, Address = "127.0.0.1", Port = 0, ReceiveBufferSize = 4 << 20 }] };
        await using var host = new ListenerHost(options, handler);
        await host.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(host.Listeners[0].LocalEndPoint!);
        var messages = CefLoad.Messages(size);

        Send(socket, messages, 10_000, handler);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var handledBefore = handler.Count;
        var clock = Stopwatch.StartNew();
        Send(socket, messages, count, handler);
        var seconds = clock.Elapsed.TotalSeconds;
        var handled = handler.Count - handledBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Console.WriteLine($"udp: sent={count} handled={handled} seconds={seconds:F3} allocated_bytes={allocated} bytes_per_datagram={(double)allocated / Math.Max(handled, 1):F4}");
        return 0;
    }

    private static void Send(Socket socket, byte[][] messages, long count, CountingHandler handler)
    {
        const int Burst = 64;
        for (long sent = 0; sent < count; sent += Burst)
        {
            var target = handler.Count + Burst;
            for (var i = 0; i < Burst; i++)
            {
                socket.Send(messages[(sent + i) % messages.Length]);
            }

            // Wait (bounded) for the burst to be handled; a datagram lost on loopback just ends the wait.
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 20);
            while (handler.Count < target && Stopwatch.GetTimestamp() < deadline)
            {
                Thread.Yield();
            }
        }
    }

    private sealed class CountingHandler : ICefMessageHandler
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender) => Interlocked.Increment(ref _count);
    }
}
