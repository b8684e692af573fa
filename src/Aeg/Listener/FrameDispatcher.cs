using System.Buffers;
using Aeg.Cef;
using Serilog;

namespace Aeg.Listener;

/// <summary>
/// Reads the frames of one connection's buffered bytes and hands each to the handler; frames that
/// span buffer segments are copied into a per-connection buffer that is reused.
/// </summary>
public sealed class FrameDispatcher(SyslogFrameReader reader, ICefMessageHandler handler, SenderCounters sender, ListenerCounters counters, ILogger? log, string listenerName, ListenerLimits? limits = null) : IDisposable
{
    private byte[]? _joined;
    private bool _handlerErrorLogged;

    /// <summary>The connection's frame reader (its detected framing).</summary>
    public SyslogFrameReader Reader => reader;

    /// <summary>Handles every complete frame in <paramref name="buffer"/> and slices off what was consumed.</summary>
    public void Dispatch(ref ReadOnlySequence<byte> buffer)
    {
        var input = new SequenceReader<byte>(buffer);
        long frames = 0;
        while (true)
        {
            var status = reader.Read(ref input, out var frame);
            if (status == SyslogFrameStatus.NeedMoreData)
            {
                break;
            }

            switch (status)
            {
                case SyslogFrameStatus.Frame:
                    frames++;
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

        counters.AddFrames(frames);
        buffer = buffer.Slice(input.Position);
    }

    /// <summary>At the end of the stream: the last LF frame without its LF, or a truncated frame counted.</summary>
    public void Complete(ReadOnlySequence<byte> rest)
    {
        if (reader.TryReadTrailingFrame(rest, out var frame))
        {
            counters.AddFrames(1);
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
        if (limits is not null && !limits.TryAdmit(sender))
        {
            return;
        }

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
            handler.Handle(span, sender);
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
