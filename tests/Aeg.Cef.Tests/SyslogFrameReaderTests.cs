using System.Buffers;
using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>SyslogFrameReader: framing detection, CR/NUL handling, oversized frames, and frames split anywhere.</summary>
public sealed class SyslogFrameReaderTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Lf_framing_strips_cr_and_accepts_nul_and_skips_blank_lines()
    {
        var result = Feed(new SyslogFrameReader(), [B("<13>a\r\nb\0\n\nc\r\n")]);
        Assert.Equal(["<13>a", "b", "c"], result.Frames);
        Assert.Equal(DetectedFraming.NonTransparent, result.Framing);
    }

    [Fact]
    public void Octet_counting_is_detected_and_keeps_lf_inside_messages()
    {
        var result = Feed(new SyslogFrameReader(), [B("5 a\nb\0c11 CEF:0|x|y\r\n")]);
        Assert.Equal(["a\nb\0c", "CEF:0|x|y\r\n"], result.Frames);
        Assert.Equal(DetectedFraming.OctetCounting, result.Framing);
    }

    [Fact]
    public void A_first_message_starting_with_a_digit_but_no_length_header_is_lf_framed()
    {
        var result = Feed(new SyslogFrameReader(), [B("2026-11-22T02:00:00Z host CEF:0|a\n12 x\n")]);
        Assert.Equal(["2026-11-22T02:00:00Z host CEF:0|a", "12 x"], result.Frames);
        Assert.Equal(DetectedFraming.NonTransparent, result.Framing);
    }

    [Theory]
    [InlineData("3 abc0 x\n")]
    [InlineData("3 abc03 x\n")]
    [InlineData("3 abc1234567890 x\n")]
    [InlineData("3 abcx\n")]
    public void A_bad_length_after_octet_counting_is_a_framing_error_then_lf(string input)
    {
        var result = Feed(new SyslogFrameReader(), [B(input)]);
        Assert.Equal("abc", result.Frames[0]);
        Assert.Equal(1, result.FramingErrors);
        Assert.Equal(DetectedFraming.NonTransparent, result.Framing);
        Assert.Equal(2, result.Frames.Count);
    }

    [Fact]
    public void Oversized_lf_frame_is_skipped_across_reads_and_later_frames_survive()
    {
        var big = new string('x', 100);
        var result = Feed(new SyslogFrameReader(maxFrameSize: 10), [B("<1>ok1\n" + big[..40]), B(big[40..]), B(big + "\n<1>ok2\n")]);
        Assert.Equal(["<1>ok1", "<1>ok2"], result.Frames);
        Assert.Equal(1, result.Oversized);
    }

    [Fact]
    public void Oversized_octet_counted_frame_is_skipped_by_its_declared_length_across_reads()
    {
        var big = new string('\n', 100);
        var result = Feed(new SyslogFrameReader(maxFrameSize: 10), [B("3 ok1100 " + big[..10]), B(big[10..60]), B(big[60..] + "3 ok2")]);
        Assert.Equal(["ok1", "ok2"], result.Frames);
        Assert.Equal(1, result.Oversized);
    }

    [Fact]
    public void Frame_of_exactly_the_maximum_passes_with_or_without_cr()
    {
        var result = Feed(new SyslogFrameReader(maxFrameSize: 5), [B("<1>ab\r"), B("\n<1>cd\n<1>cde\n")]);
        Assert.Equal(["<1>ab", "<1>cd"], result.Frames);
        Assert.Equal(1, result.Oversized);
    }

    [Fact]
    public void Trailing_lf_frame_without_terminator_is_read_at_end_of_stream()
    {
        var result = Feed(new SyslogFrameReader(), [B("<1>a\n<1>b")]);
        Assert.Equal(["<1>a", "<1>b"], result.Frames);
    }

    [Fact]
    public void Incomplete_octet_counted_frame_at_end_of_stream_is_not_a_frame()
    {
        var result = Feed(new SyslogFrameReader(), [B("3 abc10 abc")]);
        Assert.Equal(["abc"], result.Frames);
        Assert.Equal("10 abc".Length, result.LeftOver);
    }

    [Fact]
    public void Reading_allocates_nothing()
    {
        const string Line = "<134>CEF:0|a|b|1|2|n|3|src=1.2.3.4";
        var lfData = B(string.Concat(Enumerable.Repeat(Line + "\r\n", 50)));
        var ocData = B(string.Concat(Enumerable.Repeat($"{Line.Length + 1} {Line}\n", 50)));
        var lf = new ReadOnlySequence<byte>(lfData);
        var oc = new ReadOnlySequence<byte>(ocData);
        static long Count(SyslogFrameReader reader, ReadOnlySequence<byte> buffer)
        {
            long n = 0;
            while (reader.Read(ref buffer, out var frame) != SyslogFrameStatus.NeedMoreData)
            {
                n += frame.Length;
            }

            return n;
        }

        Count(new SyslogFrameReader(), lf);
        Count(new SyslogFrameReader(), oc);
        SyslogFrameReader lfReader = new(), ocReader = new();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var total = Count(lfReader, lf) + Count(ocReader, oc);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(50 * ((2 * Line.Length) + 1), total);
        Assert.Equal(0, allocated);
    }

    // --- property: any frames, any framing, any split points → the same frames -----------------

    private static readonly byte[] Alphabet = B("<>0123456789 CEF:|=\\\r\ta\u00e9");

    private static Gen<byte[]> Content(bool lf) =>
        from length in Gen.Choose(1, 40)
        from bytes in Gen.ArrayOf(lf ? Gen.Elements(Alphabet) : Gen.Elements(Alphabet.Append((byte)'\n').Append((byte)0).ToArray()), length)
        select lf && bytes[^1] == (byte)'\r' ? [.. bytes[..^1], (byte)'x'] : bytes;

    private sealed record Case(bool Lf, byte[][] Frames, string[] Terminators, int[] Cuts, int MaxFrameSize)
    {
        public override string ToString() => $"lf={Lf} max={MaxFrameSize} frames=[{string.Join(", ", Frames.Select(f => Encoding.UTF8.GetString(f).ReplaceLineEndings("⏎")))}] cuts=[{string.Join(",", Cuts)}]";
    }

    private static readonly Gen<Case> Cases =
        from lf in Gen.Elements(true, false)
        from count in Gen.Choose(1, 12)
        from frames in Gen.ArrayOf(Content(lf), count)
        from terminators in Gen.ArrayOf(Gen.Elements("\n", "\r\n", "\0"), count)
        from cuts in Gen.ArrayOf(Gen.Choose(1, 30), 40)
        from max in Gen.Elements(1000, 20)
        select new Case(lf, lf ? frames.Select((f, i) => i == 0 ? [(byte)'<', .. f] : f).ToArray() : frames, terminators, cuts, max);

    private static byte[] Encode(Case c)
    {
        var output = new List<byte>();
        for (var i = 0; i < c.Frames.Length; i++)
        {
            if (c.Lf)
            {
                output.AddRange(c.Frames[i]);
                output.AddRange(B(c.Terminators[i]));
            }
            else
            {
                output.AddRange(B($"{c.Frames[i].Length} "));
                output.AddRange(c.Frames[i]);
            }
        }

        return [.. output];
    }

    [Fact]
    public void Any_frames_in_either_framing_split_anywhere_come_out_the_same()
    {
        var property = Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var data = Encode(c);
            var chunks = new List<byte[]>();
            var at = 0;
            foreach (var cut in c.Cuts.Append(int.MaxValue))
            {
                var n = Math.Min(cut, data.Length - at);
                if (n <= 0)
                {
                    break;
                }

                chunks.Add(data[at..(at + n)]);
                at += n;
            }

            var result = Feed(new SyslogFrameReader(c.MaxFrameSize), chunks);
            var expected = c.Frames.Where(f => f.Length <= c.MaxFrameSize).Select(f => Encoding.Latin1.GetString(f)).ToList();
            return expected.SequenceEqual(result.Frames)
                && result.Oversized == c.Frames.Count(f => f.Length > c.MaxFrameSize)
                && result.FramingErrors == 0
                && result.LeftOver == 0
                && result.Framing == (c.Lf ? DetectedFraming.NonTransparent : DetectedFraming.OctetCounting);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000), property);
    }

    // --- a pipe in miniature: unconsumed input stays in its segments, new chunks are appended ---

    private sealed record FeedResult(List<string> Frames, int Oversized, int FramingErrors, long LeftOver, DetectedFraming Framing);

    private static FeedResult Feed(SyslogFrameReader reader, IEnumerable<byte[]> chunks)
    {
        var frames = new List<string>();
        int oversized = 0, errors = 0;
        var pending = new List<ReadOnlyMemory<byte>>();
        var buffer = ReadOnlySequence<byte>.Empty;
        foreach (var chunk in chunks)
        {
            pending.Add(chunk);
            buffer = Segments.Build(pending);
            while (true)
            {
                var status = reader.Read(ref buffer, out var frame);
                if (status == SyslogFrameStatus.NeedMoreData)
                {
                    break;
                }

                switch (status)
                {
                    case SyslogFrameStatus.Frame:
                        frames.Add(Encoding.Latin1.GetString(frame.ToArray()));
                        break;
                    case SyslogFrameStatus.Oversized:
                        oversized++;
                        break;
                    case SyslogFrameStatus.FramingError:
                        errors++;
                        break;
                }
            }

            pending.Clear();
            foreach (var segment in buffer)
            {
                pending.Add(segment);
            }
        }

        var leftOver = buffer.Length;
        if (reader.TryReadTrailingFrame(buffer, out var last))
        {
            frames.Add(Encoding.Latin1.GetString(last.ToArray()));
            leftOver = 0;
        }

        return new FeedResult(frames, oversized, errors, leftOver, reader.Framing);
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Build(List<ReadOnlyMemory<byte>> parts)
        {
            if (parts.Count == 0)
            {
                return ReadOnlySequence<byte>.Empty;
            }

            var first = new Segments(parts[0], 0);
            var last = first;
            foreach (var part in parts.Skip(1))
            {
                var next = new Segments(part, last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
