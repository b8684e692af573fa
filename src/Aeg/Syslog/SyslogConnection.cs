using System.Net.Security;
using System.Net.Sockets;

namespace Aeg.Syslog;

/// <summary>One open TCP or TLS connection to a syslog receiver, with a pending read that notices when the receiver closes.</summary>
internal sealed class SyslogConnection : IDisposable
{
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;

    private readonly Socket _socket;
    private volatile bool _peerClosed;

    private SyslogConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        Stream = stream;
        _ = WatchForCloseAsync();
    }

    public Stream Stream { get; }

    public bool PeerClosed => _peerClosed;

    /// <summary>Connects (and, when <paramref name="tls"/> is set, completes the handshake) within the connect timeout.</summary>
    /// <exception cref="TimeoutException">No connection within <see cref="SyslogOutputOptions.ConnectTimeout"/>.</exception>
    public static async Task<SyslogConnection> OpenAsync(
        SyslogOutputOptions options, SslClientAuthenticationOptions? tls, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            if (OperatingSystem.IsLinux())
                socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeout, BitConverter.GetBytes((int)options.DeadPeerTimeout.TotalMilliseconds));
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(tls, timeout.Token);
            }

            return new SyslogConnection(socket, stream);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stream?.Dispose();
            socket.Dispose();
            throw new TimeoutException($"no connection within {options.ConnectTimeout.TotalSeconds:0.###} s");
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    public async Task CloseGracefullyAsync(CancellationToken cancellationToken)
    {
        if (Stream is SslStream ssl)
            await ssl.ShutdownAsync();
        await Stream.FlushAsync(cancellationToken);
        _socket.Shutdown(SocketShutdown.Send);
    }

    public void Dispose() => Stream.Dispose();

    private async Task WatchForCloseAsync()
    {
        // Syslog receivers never send; a completed read means FIN, a reset, or a closed stream.
        var sink = new byte[256];
        try
        {
            while (await Stream.ReadAsync(sink) > 0)
            {
            }
        }
        catch (Exception)
        {
            // Any read error means the connection is unusable; the write path reports it.
        }

        _peerClosed = true;
    }
}
