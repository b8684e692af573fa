using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Aeg.ListenerCompare;

/// <summary>Sends pre-built frames over one TCP connection in large writes: the load costs next to nothing per message.</summary>
internal static class Sender
{
    public static async Task<int> RunAsync(int port, long count, int size, bool octetCounting)
    {
        var frames = CefLoad.Framed(CefLoad.Messages(size), octetCounting);
        var frameLength = frames.Length / CefLoad.Distinct;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 4 << 20 };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));

        var startMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        var left = count;
        while (left > 0)
        {
            var n = (int)Math.Min(left, CefLoad.Distinct);
            var buffer = frames.AsMemory(0, n * frameLength);
            while (!buffer.IsEmpty)
            {
                var sent = await socket.SendAsync(buffer, SocketFlags.None);
                buffer = buffer[sent..];
            }

            left -= n;
        }

        socket.Shutdown(SocketShutdown.Send);
        var seconds = clock.Elapsed.TotalSeconds;
        // The receiver may still be reading; this is the sender's own pace (bounded by the receiver's).
        Console.WriteLine($"sender: sent={count} bytes={count * frameLength} frame_bytes={frameLength} start_ms={startMs} seconds={seconds:F3} rate={count / seconds:F0}");
        return 0;
    }
}
