using Aeg.Metrics;

namespace Aeg.Listener;

/// <summary>Counters of one listener (all its connections); thread-safe.</summary>
public sealed class ListenerCounters
{
    private AtomicCounter _connectionsAccepted, _connectionsRefused, _connectionsActive, _tlsHandshakeFailures;
    private AtomicCounter _datagramsRefused, _frames, _framesOversized, _framingErrors, _framesTruncated, _bytes, _handlerErrors;
    private AtomicCounter _framesRateLimited, _throttleWaits, _throttledMilliseconds, _handlerPauses;

    /// <summary>TCP/TLS connections taken on.</summary>
    public long ConnectionsAccepted => _connectionsAccepted.Value;
    /// <summary>TCP/TLS connections closed at once: sender not on the allow-list, or maxConnections reached.</summary>
    public long ConnectionsRefused => _connectionsRefused.Value;
    /// <summary>TCP/TLS connections open now.</summary>
    public long ConnectionsActive => _connectionsActive.Value;
    /// <summary>TLS handshakes that failed or timed out.</summary>
    public long TlsHandshakeFailures => _tlsHandshakeFailures.Value;
    /// <summary>UDP datagrams dropped because the sender is not on the allow-list.</summary>
    public long DatagramsRefused => _datagramsRefused.Value;
    /// <summary>Frames handed to the handler.</summary>
    public long Frames => _frames.Value;
    /// <summary>Frames over maxFrameSize, skipped.</summary>
    public long FramesOversized => _framesOversized.Value;
    /// <summary>UDP datagrams dropped because their sender was over senderMessagesPerSecond (TCP/TLS are slowed instead, see <see cref="ThrottleWaits"/>).</summary>
    public long FramesRateLimited => _framesRateLimited.Value;
    /// <summary>TCP/TLS: times a connection stopped reading because its sender was over senderMessagesPerSecond (nothing is dropped).</summary>
    public long ThrottleWaits => _throttleWaits.Value;
    /// <summary>TCP/TLS: milliseconds connections spent not reading because their sender was over the rate, summed over connections.</summary>
    public long ThrottledMilliseconds => _throttledMilliseconds.Value;
    /// <summary>TCP/TLS: times a connection stopped reading because the ticket queue was full (its work is never shed).</summary>
    public long HandlerPauses => _handlerPauses.Value;
    /// <summary>Malformed octet-counting headers (the connection went on with LF framing).</summary>
    public long FramingErrors => _framingErrors.Value;
    /// <summary>Connections that ended in the middle of a frame (the partial frame is dropped).</summary>
    public long FramesTruncated => _framesTruncated.Value;
    /// <summary>Bytes received from allowed senders (TLS: after decryption).</summary>
    public long Bytes => _bytes.Value;
    /// <summary>Exceptions thrown by the handler (the frame is lost; the connection goes on).</summary>
    public long HandlerErrors => _handlerErrors.Value;

    internal void ConnectionAccepted()
    {
        _connectionsAccepted.Increment();
        _connectionsActive.Increment();
    }

    internal void ConnectionClosed() => _connectionsActive.Decrement();
    internal void ConnectionRefused() => _connectionsRefused.Increment();
    internal void TlsHandshakeFailed() => _tlsHandshakeFailures.Increment();
    internal void DatagramRefused() => _datagramsRefused.Increment();
    internal void AddFrames(long n) => _frames.Add(n);
    internal void FrameOversized() => _framesOversized.Increment();
    internal void FrameRateLimited() => _framesRateLimited.Increment();
    internal void ThrottleWaited(long milliseconds)
    {
        _throttleWaits.Increment();
        _throttledMilliseconds.Add(milliseconds);
    }

    internal void HandlerPause() => _handlerPauses.Increment();
    internal void FramingError() => _framingErrors.Increment();
    internal void FrameTruncated() => _framesTruncated.Increment();
    internal void AddBytes(long n) => _bytes.Add(n);
    internal void HandlerError() => _handlerErrors.Increment();
}
