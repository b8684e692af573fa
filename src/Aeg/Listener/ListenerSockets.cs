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

            if (type == SocketType.Stream)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

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
