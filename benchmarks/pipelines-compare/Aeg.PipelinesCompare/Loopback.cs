using System.Net;
using System.Net.Sockets;

namespace Aeg.PipelinesCompare;

/// <summary>A connected pair of loopback TCP sockets in this process.</summary>
public static class Loopback
{
    /// <summary>Connects a client to a fresh listener on 127.0.0.1 and returns both ends; the listener is closed.</summary>
    public static (Socket Client, Socket Server) Connect()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        // The same socket options as the syslog sender's connection (SyslogConnection.OpenAsync).
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        var server = listener.Accept();
        return (client, server);
    }

    /// <summary>A fresh listener on 127.0.0.1 (the sender under test connects to it by port).</summary>
    public static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        return listener;
    }
}
