using System.Buffers;

namespace Aeg.Cef;

/// <summary>How a syslog TCP stream delimits its messages (RFC 6587), as detected on its first bytes.</summary>
public enum DetectedFraming
{
    /// <summary>No complete frame header seen yet.</summary>
    Undetected,
    /// <summary><c>MSG-LEN SP MSG</c>, the length in decimal without a leading zero.</summary>
    OctetCounting,
    /// <summary>Each message ends at LF (or NUL); a CR before the LF is dropped.</summary>
    NonTransparent,
}

/// <summary>What <see cref="SyslogFrameReader.Read(ref ReadOnlySequence{byte}, out ReadOnlySequence{byte})"/> found.</summary>
public enum SyslogFrameStatus
{
    /// <summary>No complete frame in the input; everything before the returned position is consumed.</summary>
    NeedMoreData,
    /// <summary>A complete frame, without framing bytes.</summary>
    Frame,
    /// <summary>A frame over the maximum size was found; it is skipped (also in later reads) and never handed out.</summary>
    Oversized,
    /// <summary>An octet-counting header was malformed; the connection continues with LF framing.</summary>
    FramingError,
}

/// <summary>
/// Splits one syslog TCP stream into frames, detecting octet counting or LF framing on the first
/// bytes. One instance per connection; it keeps only a little state (the framing, and how much of
/// an oversized frame is still to be skipped), never copies and never allocates.
/// </summary>
/// <remarks>
/// Call <see cref="Read(ref ReadOnlySequence{byte}, out ReadOnlySequence{byte})"/> until it returns
/// <see cref="SyslogFrameStatus.NeedMoreData"/>, then keep the remaining input and append more.
/// Detection: a first byte 1–9 followed by digits and a space is octet counting; anything else is
/// LF framing (a message that merely starts with a digit, such as a timestamp, stays LF framed).
/// </remarks>
public sealed class SyslogFrameReader
{
    /// <summary>Default largest frame handed out: 64 KiB.</summary>
    public const int DefaultMaxFrameSize = 64 * 1024;

    /// <summary>Longest accepted MSG-LEN in digits: lengths up to 999,999,999 are skipped when too large, longer ones are framing errors.</summary>
    public const int MaxLengthDigits = 9;

    private long _skipRemaining;
    private bool _skipToTerminator;

    /// <summary>Creates a reader for one connection.</summary>
    public SyslogFrameReader(int maxFrameSize = DefaultMaxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, 1);
        MaxFrameSize = maxFrameSize;
    }

    /// <summary>Largest frame (in bytes, without framing) handed out; larger ones are skipped.</summary>
    public int MaxFrameSize { get; }

    /// <summary>The framing of this connection, once detected.</summary>
    public DetectedFraming Framing { get; private set; }

    /// <summary>True while the rest of an oversized frame is still to be skipped.</summary>
    public bool IsSkipping => _skipRemaining > 0 || _skipToTerminator;

    private static ReadOnlySpan<byte> Terminators => "\n\0"u8;

    /// <summary>Reads the next frame; <paramref name="buffer"/> is advanced past what was consumed.</summary>
    /// <remarks><paramref name="frame"/> is a slice of the input, valid as long as the input is.</remarks>
    public SyslogFrameStatus Read(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        var input = new SequenceReader<byte>(buffer);
        var status = Read(ref input, out frame);
        buffer = buffer.Slice(input.Position);
        return status;
    }

    /// <summary>Reads the next frame from <paramref name="input"/>, advancing it past what was consumed.</summary>
    public SyslogFrameStatus Read(ref SequenceReader<byte> input, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        while (true)
        {
            if (_skipRemaining > 0)
            {
                var n = Math.Min(_skipRemaining, input.Remaining);
                input.Advance(n);
                _skipRemaining -= n;
                if (_skipRemaining > 0)
                {
                    return SyslogFrameStatus.NeedMoreData;
                }
            }

            if (_skipToTerminator)
            {
                if (!input.TryAdvanceToAny(Terminators, advancePastDelimiter: true))
                {
                    input.AdvanceToEnd();
                    return SyslogFrameStatus.NeedMoreData;
                }

                _skipToTerminator = false;
            }

            if (!input.TryPeek(out var first))
            {
                return SyslogFrameStatus.NeedMoreData;
            }

            if (Framing == DetectedFraming.Undetected && first is < (byte)'1' or > (byte)'9')
            {
                Framing = DetectedFraming.NonTransparent;
            }

            if (Framing == DetectedFraming.NonTransparent)
            {
                var status = ReadLine(ref input, out frame);
                if (status == SyslogFrameStatus.Frame && frame.IsEmpty)
                {
                    continue; // blank lines between messages carry nothing
                }

                return status;
            }

            switch (ReadLength(ref input, out var length))
            {
                case HeaderResult.Incomplete:
                    return SyslogFrameStatus.NeedMoreData;
                case HeaderResult.Invalid when Framing == DetectedFraming.Undetected:
                    // The first message merely starts with a digit: this sender frames by LF.
                    Framing = DetectedFraming.NonTransparent;
                    continue;
                case HeaderResult.Invalid:
                    // Octet counting lost its footing; LF is the only way to find the next message.
                    Framing = DetectedFraming.NonTransparent;
                    return SyslogFrameStatus.FramingError;
            }

            Framing = DetectedFraming.OctetCounting;
            if (length > MaxFrameSize)
            {
                _skipRemaining = length;
                return SyslogFrameStatus.Oversized;
            }

            if (input.Remaining < length)
            {
                input.Rewind(HeaderLength(length));
                return SyslogFrameStatus.NeedMoreData;
            }

            frame = input.Sequence.Slice(input.Position, length);
            input.Advance(length);
            return SyslogFrameStatus.Frame;
        }
    }

    /// <summary>
    /// At the end of the stream: the last LF-framed message when the sender closed without a final LF.
    /// Returns false when nothing (or only an incomplete octet-counted frame) is left.
    /// </summary>
    public bool TryReadTrailingFrame(ReadOnlySequence<byte> rest, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (IsSkipping || Framing == DetectedFraming.OctetCounting || rest.IsEmpty)
        {
            return false;
        }

        if (Framing == DetectedFraming.Undetected)
        {
            // Only digits so far: an unfinished octet-count header or a message of digits; take it as text.
            Framing = DetectedFraming.NonTransparent;
        }

        var line = TrimCr(rest);
        if (line.IsEmpty || line.Length > MaxFrameSize)
        {
            return false;
        }

        frame = line;
        return true;
    }

    private SyslogFrameStatus ReadLine(ref SequenceReader<byte> input, out ReadOnlySequence<byte> frame)
    {
        if (input.TryReadToAny(out ReadOnlySequence<byte> line, Terminators, advancePastDelimiter: true))
        {
            line = TrimCr(line);
            if (line.Length > MaxFrameSize)
            {
                frame = default;
                return SyslogFrameStatus.Oversized;
            }

            frame = line;
            return SyslogFrameStatus.Frame;
        }

        frame = default;
        // One byte of slack: a CR at the very end may still turn out to precede the LF.
        if (input.Remaining > MaxFrameSize + 1L)
        {
            input.AdvanceToEnd();
            _skipToTerminator = true;
            return SyslogFrameStatus.Oversized;
        }

        return SyslogFrameStatus.NeedMoreData;
    }

    private static ReadOnlySequence<byte> TrimCr(ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty)
        {
            return line;
        }

        var lastIndex = line.Length - 1;
        var last = line.IsSingleSegment ? line.FirstSpan[(int)lastIndex] : line.Slice(lastIndex).FirstSpan[0];
        return last == (byte)'\r' ? line.Slice(0, lastIndex) : line;
    }

    private enum HeaderResult { Complete, Incomplete, Invalid }

    private static int HeaderLength(long length)
    {
        var digits = 1;
        while (length >= 10)
        {
            length /= 10;
            digits++;
        }

        return digits + 1;
    }

    // On Complete the input stands after the space; otherwise it is where it was.
    private static HeaderResult ReadLength(ref SequenceReader<byte> input, out long length)
    {
        length = 0;
        var digits = 0;
        while (input.TryPeek(digits, out var b))
        {
            if (b == (byte)' ' && digits > 0)
            {
                input.Advance(digits + 1);
                return HeaderResult.Complete;
            }

            if (b is < (byte)'0' or > (byte)'9' || (digits == 0 && b == (byte)'0') || digits == MaxLengthDigits)
            {
                return HeaderResult.Invalid;
            }

            length = (length * 10) + (b - '0');
            digits++;
        }

        return HeaderResult.Incomplete;
    }
}
