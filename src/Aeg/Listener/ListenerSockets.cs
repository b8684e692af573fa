using System.Net;
using System.Net.Sockets;

namespace Aeg.Listener;

/// <summary>Creates and binds the listening sockets.</summary>
internal static class ListenerSockets
{
    public static Socket Bind(ListenerOptions options, SocketType type, ProtocolType protocol)
    {
        var address = IPAddress.Parse(options.Address);
        var socket = new Socket(address.AddressFamily, type, protocol);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            if (options.ReceiveBufferSize is { } size)
            {
                socket.ReceiveBufferSize = size;
            }

            // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT too, which would let a second
            // listener (or a second Aeg) bind the same port and silently take half the traffic.
            socket.Bind(new IPEndPoint(address, options.EffectivePort));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
