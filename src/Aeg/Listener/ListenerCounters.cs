namespace Aeg.Listener;

/// <summary>Counters of one listener (all its connections); thread-safe.</summary>
public sealed class ListenerCounters
{
    private long _connectionsAccepted, _connectionsRefused, _connectionsActive, _tlsHandshakeFailures;
    private long _datagramsRefused, _frames, _framesOversized, _framingErrors, _framesTruncated, _bytes, _handlerErrors;
    private long _framesRateLimited;

    /// <summary>TCP/TLS connections taken on.</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);
    /// <summary>TCP/TLS connections closed at once: sender not on the allow-list, or maxConnections reached.</summary>
    public long ConnectionsRefused => Interlocked.Read(ref _connectionsRefused);
    /// <summary>TCP/TLS connections open now.</summary>
    public long ConnectionsActive => Interlocked.Read(ref _connectionsActive);
    /// <summary>TLS handshakes that failed or timed out.</summary>
    public long TlsHandshakeFailures => Interlocked.Read(ref _tlsHandshakeFailures);
    /// <summary>UDP datagrams dropped because the sender is not on the allow-list.</summary>
    public long DatagramsRefused => Interlocked.Read(ref _datagramsRefused);
    /// <summary>Frames handed to the handler.</summary>
    public long Frames => Interlocked.Read(ref _frames);
    /// <summary>Frames over maxFrameSize, skipped.</summary>
    public long FramesOversized => Interlocked.Read(ref _framesOversized);
    /// <summary>Frames dropped because their sender was over senderMessagesPerSecond.</summary>
    public long FramesRateLimited => Interlocked.Read(ref _framesRateLimited);
    /// <summary>Malformed octet-counting headers (the connection went on with LF framing).</summary>
    public long FramingErrors => Interlocked.Read(ref _framingErrors);
    /// <summary>Connections that ended in the middle of a frame (the partial frame is dropped).</summary>
    public long FramesTruncated => Interlocked.Read(ref _framesTruncated);
    /// <summary>Bytes received from allowed senders (TLS: after decryption).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);
    /// <summary>Exceptions thrown by the handler (the frame is lost; the connection goes on).</summary>
    public long HandlerErrors => Interlocked.Read(ref _handlerErrors);

    internal void ConnectionAccepted()
    {
        Interlocked.Increment(ref _connectionsAccepted);
        Interlocked.Increment(ref _connectionsActive);
    }

    internal void ConnectionClosed() => Interlocked.Decrement(ref _connectionsActive);
    internal void ConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);
    internal void TlsHandshakeFailed() => Interlocked.Increment(ref _tlsHandshakeFailures);
    internal void DatagramRefused() => Interlocked.Increment(ref _datagramsRefused);
    internal void AddFrames(long n) => Interlocked.Add(ref _frames, n);
    internal void FrameOversized() => Interlocked.Increment(ref _framesOversized);
    internal void FrameRateLimited() => Interlocked.Increment(ref _framesRateLimited);
    internal void FramingError() => Interlocked.Increment(ref _framingErrors);
    internal void FrameTruncated() => Interlocked.Increment(ref _framesTruncated);
    internal void AddBytes(long n) => Interlocked.Add(ref _bytes, n);
    internal void HandlerError() => Interlocked.Increment(ref _handlerErrors);
}
