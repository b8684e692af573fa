using System.Buffers;
using System.Diagnostics;
using Aeg.Cef;
using Serilog;

namespace Aeg.Listener;

/// <summary>
/// Reads the frames of one connection's buffered bytes and hands each to the handler; frames that
/// span buffer segments are copied into a per-connection buffer that is reused.
/// </summary>
/// <remarks>
/// With a <see cref="TokenBucket"/> (a TCP/TLS listener with senderMessagesPerSecond), a frame is
/// handed on only with a token: the dispatcher takes them from the sender's bucket in chunks and
/// gives back the unused ones after each buffer, so the per-frame cost is a decrement. When the
/// bucket is empty, <see cref="Dispatch"/> stops before the next frame and says so; the caller
/// pauses reading and calls it again with the rest. Nothing is dropped.
/// </remarks>
public sealed class FrameDispatcher(SyslogFrameReader reader, ICefMessageHandler handler, SenderCounters sender, ListenerCounters counters, ILogger? log, string listenerName, ListenerLimits? limits = null, TokenBucket? bucket = null) : IDisposable
{
    // Tokens taken from the bucket at a time: one lock per this many frames, returned unused after each buffer.
    private const int CreditChunk = 1024;

    private byte[]? _joined;
    private bool _handlerErrorLogged;
    private TokenBucket? _bucket = bucket;
    private int _credit;
    // False once stopping: what was sent is drained even when the handler is full.
    private bool _waitForHandler = true;

    /// <summary>Frames handed on over this dispatcher's life (the connection's count).</summary>
    public long TotalFrames { get; private set; }

    /// <summary>Why the last <see cref="Dispatch"/> stopped early: the handler was full (else the sender's bucket was empty).</summary>
    public bool StoppedForHandler { get; private set; }

    /// <summary>The connection's frame reader (its detected framing).</summary>
    public SyslogFrameReader Reader => reader;

    /// <summary>
    /// Handles the complete frames in <paramref name="buffer"/> and slices off what was consumed;
    /// true when it stopped early because the sender's bucket is empty or the handler is full
    /// (<see cref="StoppedForHandler"/>; frames are left in the buffer).
    /// </summary>
    public bool Dispatch(ref ReadOnlySequence<byte> buffer)
    {
        var input = new SequenceReader<byte>(buffer);
        long frames = 0;
        var throttled = false;
        StoppedForHandler = false;
        while (true)
        {
            if (_bucket is not null && _credit == 0 && input.Remaining > 0 && !TakeCredit())
            {
                throttled = true;
                break;
            }

            // Checked before every frame, so a full ticket queue grows by at most one frame's work.
            if (_waitForHandler && !handler.Ready && input.Remaining > 0)
            {
                throttled = StoppedForHandler = true;
                break;
            }

            var status = reader.Read(ref input, out var frame);
            if (status == SyslogFrameStatus.NeedMoreData)
            {
                break;
            }

            switch (status)
            {
                case SyslogFrameStatus.Frame:
                    frames++;
                    _credit--;
                    Deliver(frame);
                    break;
                case SyslogFrameStatus.Oversized:
                    counters.FrameOversized();
                    sender.CountOversized();
                    limits?.WarnOversized(sender);
                    break;
                case SyslogFrameStatus.FramingError:
                    counters.FramingError();
                    limits?.WarnFramingError(sender);
                    break;
            }
        }

        if (_bucket is not null && _credit > 0)
        {
            // The bucket is shared by the sender's connections: unused tokens go back after each buffer.
            _bucket.Return(_credit);
        }

        // Without a bucket the count went below zero; it only matters with one.
        _credit = 0;

        counters.AddFrames(frames);
        TotalFrames += frames;
        buffer = buffer.Slice(input.Position);
        return throttled;
    }

    /// <summary>From now on every frame is handed on without a token or waiting for the handler: the listener is stopping and drains what was sent.</summary>
    public void RemoveLimit()
    {
        _waitForHandler = false;
        if (_credit > 0)
        {
            _bucket?.Return(_credit);
        }

        _bucket = null;
        _credit = 0;
    }

    private bool TakeCredit()
    {
        _credit = _bucket!.Take(Math.Min(CreditChunk, _bucket.Capacity), Stopwatch.GetTimestamp());
        return _credit > 0;
    }

    /// <summary>At the end of the stream: the last LF frame without its LF, or a truncated frame counted.</summary>
    public void Complete(ReadOnlySequence<byte> rest)
    {
        if (reader.TryReadTrailingFrame(rest, out var frame))
        {
            counters.AddFrames(1);
            TotalFrames++;
            Deliver(frame);
        }
        else if (!rest.IsEmpty)
        {
            counters.FrameTruncated();
        }
    }

    private void Deliver(in ReadOnlySequence<byte> frame)
    {
        sender.CountReceived();
        ReadOnlySpan<byte> span;
        if (frame.IsSingleSegment)
        {
            span = frame.FirstSpan;
        }
        else
        {
            var length = (int)frame.Length;
            if (_joined is null || _joined.Length < length)
            {
                if (_joined is not null)
                {
                    ArrayPool<byte>.Shared.Return(_joined);
                }

                _joined = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
            }

            frame.CopyTo(_joined);
            span = _joined.AsSpan(0, length);
        }

        try
        {
            handler.HandleFromStream(span, sender);
        }
        catch (Exception ex)
        {
            counters.HandlerError();
            if (!_handlerErrorLogged)
            {
                // Once per connection: a handler bug must not turn into a log flood at line rate.
                _handlerErrorLogged = true;
                log?.Error(ex, "Listener {Listener}: the message handler failed on a frame from {Sender}; further failures on this connection are only counted", listenerName, sender.Address);
            }
        }
    }

    /// <summary>Returns the reassembly buffer to the pool.</summary>
    public void Dispose()
    {
        if (_joined is not null)
        {
            ArrayPool<byte>.Shared.Return(_joined);
            _joined = null;
        }
    }
}
