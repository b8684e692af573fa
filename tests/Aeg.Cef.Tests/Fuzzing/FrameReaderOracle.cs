using System.Buffers;
using System.Text;

namespace Aeg.Cef.Tests.Fuzzing;

/// <summary>
/// Checks <see cref="SyslogFrameReader"/> on a byte stream: it never throws, every frame is a
/// slice of the input no longer than the maximum, each call makes progress (the number of calls
/// is bounded by the stream length), and the frames do not depend on how the stream was cut
/// into reads and buffer segments.
/// </summary>
public static class FrameReaderOracle
{
    private static readonly int[] FrameSizes = [1, 7, 64, 300, 4096, SyslogFrameReader.DefaultMaxFrameSize];

    /// <summary>Frames a line for the stream: as it is, LF/CRLF/NUL framed, or octet counted (sometimes with a wrong length).</summary>
    public static byte[] MakeStream(Random rng, byte[] line, IReadOnlyList<byte[]> seeds)
    {
        if (line.Length > 256 * 1024 || rng.Next(4) == 0)
        {
            return line;
        }

        var stream = new List<byte>();
        var messages = 1 + rng.Next(5);
        var octets = rng.Next(3);
        for (var i = 0; i < messages; i++)
        {
            var message = i == 0 ? line : seeds[rng.Next(seeds.Count)];
            // 0: LF framing, 1: octet counting, 2: both mixed in one stream.
            if (octets == 1 || (octets == 2 && rng.Next(2) == 0))
            {
                var length = rng.Next(8) switch
                {
                    0 => message.Length + rng.Next(-3, 4),   // wrong length
                    1 => rng.Next(1_000_000_000),             // anything up to 9 digits
                    _ => message.Length,
                };
                var header = rng.Next(10) switch
                {
                    0 => $"0{length} ",       // leading zero
                    1 => $"{length}",         // no space
                    2 => $"{length}x",        // not a space
                    3 => "1234567890 ",       // ten digits
                    _ => $"{length} ",
                };
                stream.AddRange(Encoding.ASCII.GetBytes(header));
                stream.AddRange(message);
            }
            else
            {
                stream.AddRange(message);
                stream.AddRange(rng.Next(4) switch { 0 => "\r\n"u8, 1 => "\0"u8, 2 => "\n\n"u8, _ => "\n"u8 });
            }
        }

        if (rng.Next(4) == 0)
        {
            // The stream may end anywhere, even inside a frame or its length.
            var cut = rng.Next(stream.Count + 1);
            stream.RemoveRange(cut, stream.Count - cut);
        }

        return [.. stream];
    }

    /// <summary>Reads <paramref name="stream"/> once whole and once cut at random points; returns why a property broke, or null.</summary>
    public static string? Check(Random rng, byte[] stream, out int frames)
    {
        frames = 0;
        var maxFrameSize = FrameSizes[rng.Next(FrameSizes.Length)];
        var whole = Run(stream, [stream.Length], segmentSize: int.MaxValue, maxFrameSize, out var expected);
        if (whole is not null)
        {
            return $"read whole (maxFrameSize {maxFrameSize}): {whole}";
        }

        var reads = RandomCuts(rng, stream.Length);
        // Small segments make frames straddle them; big inputs get bigger ones to stay fast.
        var segmentSize = 1 + rng.Next(64) + (stream.Length > 4096 ? stream.Length / 64 : 0);
        var pieces = Run(stream, reads, segmentSize, maxFrameSize, out var actual);
        if (pieces is not null)
        {
            return $"read in {reads.Count} reads of segments ≤ {segmentSize} bytes (maxFrameSize {maxFrameSize}): {pieces}";
        }

        if (expected.Count != actual.Count)
        {
            return $"maxFrameSize {maxFrameSize}: read whole gave {expected.Count} events, read in {reads.Count} pieces {actual.Count}: [{string.Join(", ", expected)}] vs [{string.Join(", ", actual)}]";
        }

        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i] != actual[i])
            {
                return $"maxFrameSize {maxFrameSize}: event {i} read whole was {expected[i]}, read in {reads.Count} pieces {actual[i]}";
            }
        }

        frames = expected.Count;
        return null;
    }

    private static List<int> RandomCuts(Random rng, int length)
    {
        var sizes = new List<int>();
        var left = length;
        while (left > 0)
        {
            var n = Math.Min(left, rng.Next(3) == 0 ? 1 + rng.Next(4) : 1 + rng.Next(Math.Max(1, length / 3)));
            sizes.Add(n);
            left -= n;
        }

        return sizes;
    }

    // Feeds the stream read by read as a pipe would: what is left unconsumed is kept and more appended.
    private static string? Run(byte[] stream, IReadOnlyList<int> readSizes, int segmentSize, int maxFrameSize, out List<FrameEvent> events)
    {
        events = [];
        var reader = new SyslogFrameReader(maxFrameSize);
        var consumedTotal = 0L;
        var received = 0;
        var calls = 0L;
        var limit = (2L * stream.Length) + (2L * readSizes.Count) + 4;
        foreach (var size in readSizes)
        {
            received += size;
            var buffer = Segments(stream, (int)consumedTotal, received, segmentSize);
            while (true)
            {
                if (++calls > limit)
                {
                    return $"more than {limit} Read calls for {stream.Length} bytes";
                }

                var before = buffer;
                var status = reader.Read(ref buffer, out var frame);
                var consumed = before.Length - buffer.Length;
                if (consumed < 0)
                {
                    return "Read grew the buffer";
                }

                consumedTotal += consumed;
                if (status == SyslogFrameStatus.NeedMoreData)
                {
                    break;
                }

                if (status == SyslogFrameStatus.Frame)
                {
                    if (frame.IsEmpty || frame.Length > maxFrameSize)
                    {
                        return $"frame of {frame.Length} bytes (maxFrameSize {maxFrameSize})";
                    }

                    if (InStream(stream, before, frame, consumedTotal - consumed) is { } problem)
                    {
                        return problem;
                    }

                    if (reader.Framing == DetectedFraming.NonTransparent && frame.PositionOf((byte)'\n') is not null)
                    {
                        return "an LF-framed frame holds an LF";
                    }

                    events.Add(new FrameEvent(status, consumedTotal - consumed + Offset(before, frame), frame.Length));
                }
                else
                {
                    // Where a skip is reported depends on how much had arrived; that it is reported does not.
                    events.Add(new FrameEvent(status, 0, 0));
                }
            }
        }

        var rest = Segments(stream, (int)consumedTotal, stream.Length, segmentSize);
        if (reader.TryReadTrailingFrame(rest, out var last))
        {
            if (last.IsEmpty || last.Length > maxFrameSize || last.Length > rest.Length)
            {
                return $"trailing frame of {last.Length} bytes from a rest of {rest.Length} (maxFrameSize {maxFrameSize})";
            }

            events.Add(new FrameEvent(SyslogFrameStatus.Frame, consumedTotal + Offset(rest, last), last.Length));
        }

        return null;
    }

    // A frame must be a slice of the buffer it was read from, holding the stream's bytes at that place.
    private static string? InStream(byte[] stream, ReadOnlySequence<byte> buffer, ReadOnlySequence<byte> frame, long bufferStart)
    {
        var offset = Offset(buffer, frame);
        if (offset < 0 || offset + frame.Length > buffer.Length)
        {
            return $"a frame at {offset}+{frame.Length} outside the buffer of {buffer.Length}";
        }

        var at = (int)(bufferStart + offset);
        var expected = stream.AsSpan(at, (int)frame.Length);
        foreach (var segment in frame)
        {
            if (!expected.StartsWith(segment.Span))
            {
                return $"a frame at stream offset {at} whose bytes are not the stream's";
            }

            expected = expected[segment.Length..];
        }

        return null;
    }

    private static long Offset(ReadOnlySequence<byte> buffer, ReadOnlySequence<byte> part) => buffer.Length - buffer.Slice(part.Start).Length;

    /// <summary>One thing the reader reported, by absolute place in the stream, so two runs can be compared.</summary>
    private readonly record struct FrameEvent(SyslogFrameStatus Status, long Offset, long Length);

    // The received but unconsumed bytes as a chain of segments, as a pipe hands them out.
    private static ReadOnlySequence<byte> Segments(byte[] stream, int from, int to, int segmentSize)
    {
        if (to - from <= segmentSize)
        {
            return new ReadOnlySequence<byte>(stream, from, to - from);
        }

        Segment? first = null, last = null;
        for (var at = from; at < to; at += segmentSize)
        {
            // Copies, so that a frame pointing outside its segment cannot pass as correct by luck.
            var piece = stream.AsMemory(at, Math.Min(segmentSize, to - at)).ToArray();
            last = last is null ? first = new Segment(piece, 0) : last.Append(piece);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
