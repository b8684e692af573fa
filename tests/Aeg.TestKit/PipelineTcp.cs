using System.Net;
using System.Net.Sockets;
using System.Text;
using Aeg.Daemon;
using Aeg.Syslog;

namespace Aeg.TestKit;

/// <summary>Sends CEF lines to a running pipeline's TCP listener, the way a syslog sender does.</summary>
public static class PipelineTcp
{
    /// <summary>
    /// Sends <paramref name="lines"/> (newline-framed) over one connection and returns once the listener has closed its
    /// side, i.e. has read everything (no sleep: the close is the signal).
    /// </summary>
    public static async Task SendAsync(CefTicketPipeline pipeline, TimeSpan deadline, params string[] lines)
    {
        var endPoint = pipeline.Listeners.Listeners.Single(l => l.Options.Protocol == SyslogProtocol.Tcp).LocalEndPoint!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, endPoint.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
        tcp.Client.Shutdown(SocketShutdown.Send);
        var buffer = new byte[16];
        using var timeout = new CancellationTokenSource(deadline);
        while (await stream.ReadAsync(buffer, timeout.Token) > 0)
        {
        }
    }
}
