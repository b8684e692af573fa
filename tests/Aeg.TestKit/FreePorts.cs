using System.Net;
using System.Net.Sockets;

namespace Aeg.TestKit;

/// <summary>
/// Loopback ports nothing listens on right now: bound to port 0 and released again, so a connect is
/// refused (a closed destination) or a server of the test's own can bind it next.
/// </summary>
internal static class FreePorts
{
    public static int Tcp() => Bind(SocketType.Stream, ProtocolType.Tcp);

    public static int Udp() => Bind(SocketType.Dgram, ProtocolType.Udp);

    private static int Bind(SocketType type, ProtocolType protocol)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
