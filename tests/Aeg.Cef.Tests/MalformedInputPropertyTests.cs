using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>Property: no input makes CefReader throw, loop, or point outside the line.</summary>
public sealed class MalformedInputPropertyTests
{
    // Bytes that steer the parser: separators, escapes, PRI brackets, digits, markers, UTF-8 lead bytes.
    private static readonly byte[] Interesting = "<>|\\= \t\r\n\0CEF:0123456789-[]\"abcZ.,"u8.ToArray().Concat(new byte[] { 0xEF, 0xBB, 0xBF, 0xC3, 0xA9, 0xFF, 0x80 }).ToArray();

    private static readonly Gen<byte[]> RandomLines =
        Gen.Choose(0, 200).SelectMany(n => Gen.ArrayOf(Gen.Elements(Interesting), n));

    private static readonly Gen<byte[]> MutatedVectors =
        from vector in Gen.Elements(ReaderVector.LoadAll().Select(v => v.InputBytes).Where(b => b.Length > 0).ToArray())
        from edits in Gen.Choose(1, 6)
        from positions in Gen.ArrayOf(Gen.Choose(0, 10_000), edits)
        from bytes in Gen.ArrayOf(Gen.Elements(Interesting), edits)
        from kinds in Gen.ArrayOf(Gen.Choose(0, 3), edits)
        select Mutate(vector, positions, bytes, kinds);

    [Fact]
    public void Random_lines_never_throw_and_stay_in_bounds()
        => Check.One(Config.QuickThrowOnFailure.WithMaxTest(5000), Prop.ForAll(RandomLines.ToArbitrary(), ReadsSafely));

    [Fact]
    public void Mutated_vectors_never_throw_and_stay_in_bounds()
        => Check.One(Config.QuickThrowOnFailure.WithMaxTest(5000), Prop.ForAll(MutatedVectors.ToArbitrary(), ReadsSafely));

    private static Property ReadsSafely(byte[] line)
    {
        var reader = new CefReader(line);
        var pairs = 0;
        var buffer = new byte[line.Length];
        if (reader.IsValid)
        {
            for (var i = 0; i < 6; i++)
            {
                reader.GetHeaderString((CefHeaderField)i);
            }

            var lastKeyEnd = -1;
            while (reader.ReadNextExtension())
            {
                // Each pair must make progress, or a hostile line could loop forever.
                if (++pairs > line.Length)
                {
                    return false.Label("more pairs than bytes");
                }

                if (!reader.TryCopyValue(buffer, out _) || reader.Key.IsEmpty || !CefLimits.IsValidKey(reader.Key))
                {
                    return false.Label("bad key or value copy");
                }

                var keyEnd = Offset(line, reader.Key) + reader.Key.Length;
                if (keyEnd <= lastKeyEnd)
                {
                    return false.Label("keys went backwards");
                }

                lastKeyEnd = keyEnd;
            }
        }

        return (reader.ErrorPosition >= 0 && reader.ErrorPosition <= line.Length)
            .Label($"error position {reader.ErrorPosition} outside 0..{line.Length}");
    }

    private static int Offset(byte[] line, ReadOnlySpan<byte> part)
    {
        // Spans handed out must point into the caller's line.
        ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(line);
        ref var at = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(part);
        var offset = (int)System.Runtime.CompilerServices.Unsafe.ByteOffset(ref start, ref at);
        Assert.InRange(offset, 0, line.Length - part.Length);
        return offset;
    }

    private static byte[] Mutate(byte[] vector, int[] positions, byte[] bytes, int[] kinds)
    {
        var list = vector.ToList();
        for (var i = 0; i < positions.Length; i++)
        {
            var at = list.Count == 0 ? 0 : positions[i] % list.Count;
            switch (kinds[i])
            {
                case 0 when list.Count > 0: list[at] = bytes[i]; break;           // replace
                case 1: list.Insert(at, bytes[i]); break;                        // insert
                case 2 when list.Count > 0: list.RemoveAt(at); break;             // delete
                default: list.RemoveRange(at, list.Count - at); break;            // truncate
            }
        }

        return [.. list];
    }
}
