using System.Runtime.Intrinsics.X86;

namespace Aeg.Cef;

// Unescaping: the scalar reference, the search path for long values, and the two vector paths.
public static partial class CefEscaping
{
    internal static bool TryUnescape(ReadOnlySpan<byte> raw, Span<byte> destination, bool header, out int bytesWritten)
        => TryUnescape(raw, 0, raw.Length, destination, header, out bytesWritten);

    /// <summary>
    /// Unescapes <c>window[start..(start + length)]</c>. Bytes of <paramref name="window"/> after
    /// the value may be read (never used), so a value inside a line is read in whole vectors.
    /// </summary>
    internal static bool TryUnescape(ReadOnlySpan<byte> window, int start, int length, Span<byte> destination, bool header, out int bytesWritten)
    {
        // The instruction set is asked after the lengths: this method is inlined into the reader's
        // callers, and an Isa property first in the condition (a call until the JIT inlines it,
        // unlike an IsSupported it folds on reading) changed their block layout (1-2% per line).
        if (length <= Vector512<byte>.Count && window.Length - start >= Vector512<byte>.Count && destination.Length >= Vector512<byte>.Count
            && Isa.Vector512Compress && !destination.Overlaps(window))
        {
            bytesWritten = UnescapeAvx512(ref Unsafe.Add(ref MemoryMarshal.GetReference(window), start), length, ref MemoryMarshal.GetReference(destination), header);
            return true;
        }

        if (length <= destination.Length && Isa.Vector128 && !destination.Overlaps(window))
        {
            bytesWritten = UnescapeVector128(ref Unsafe.Add(ref MemoryMarshal.GetReference(window), start), length, window.Length - start,
                ref MemoryMarshal.GetReference(destination), header);
            return true;
        }

        // Typical escaped values are short: one byte loop beats a search per backslash.
        var raw = window.Slice(start, length);
        var ok = raw.Length <= 64
            ? TryUnescapeScalar(raw, destination, header, out bytesWritten)
            : TryUnescapeSearch(raw, destination, header, out bytesWritten);
        if (!ok)
        {
            bytesWritten = 0;
        }

        return ok;
    }

    /// <summary>The scalar reference: byte by byte, as the rules read. Every other path must give what it gives.</summary>
    internal static bool TryUnescapeScalar(ReadOnlySpan<byte> raw, Span<byte> destination, bool header, out int bytesWritten)
    {
        var written = 0;
        var r = 0;
        while (r < raw.Length)
        {
            var b = NextUnescaped(raw, ref r, header);
            if ((uint)written >= (uint)destination.Length)
            {
                bytesWritten = written;
                return false;
            }

            destination[written++] = b;
        }

        bytesWritten = written;
        return true;
    }

    /// <summary>Long values with few escapes: the bytes between two backslashes are copied in bulk.</summary>
    internal static bool TryUnescapeSearch(ReadOnlySpan<byte> raw, Span<byte> destination, bool header, out int bytesWritten)
    {
        bytesWritten = 0;
        var r = 0;
        while (true)
        {
            var slash = raw[r..].IndexOf((byte)'\\');
            var plain = slash < 0 ? raw[r..] : raw.Slice(r, slash);
            if (!plain.TryCopyTo(destination[bytesWritten..]))
            {
                return false;
            }

            bytesWritten += plain.Length;
            if (slash < 0)
            {
                return true;
            }

            r += slash;
            var b = NextUnescaped(raw, ref r, header);
            if (bytesWritten >= destination.Length)
            {
                return false;
            }

            destination[bytesWritten++] = b;
        }
    }

    // Copies 16 bytes at a time and jumps from backslash to backslash by the compare mask.
    // Stores stay inside destination[0..length): unescaping never lengthens, and a store that
    // runs past the bytes written so far is overwritten by what follows (or lies past the end
    // of the result), since the source is the unchanged raw value, not the destination.
    internal static int UnescapeVector128(ref byte source, int length, int readable, ref byte destination, bool header)
    {
        var raw = MemoryMarshal.CreateReadOnlySpan(ref source, length);
        int r = 0, w = 0;
        while (true)
        {
            if (w + 16 <= length && r + 16 <= readable)
            {
                var v = Vector128.LoadUnsafe(ref source, (nuint)r);
                v.StoreUnsafe(ref destination, (nuint)w);
                var backslashes = Vector128.Equals(v, Vector128.Create((byte)'\\')).ExtractMostSignificantBits();
                var rest = length - r;
                if (rest < 16)
                {
                    backslashes &= (1u << rest) - 1;
                }

                if (backslashes == 0)
                {
                    if (rest <= 16)
                    {
                        return w + rest;
                    }

                    r += 16;
                    w += 16;
                    continue;
                }

                var skip = BitOperations.TrailingZeroCount(backslashes);
                r += skip;
                w += skip;
            }
            else
            {
                // The last few bytes of the destination: byte by byte up to the next backslash.
                while (r < length && Unsafe.Add(ref source, r) != (byte)'\\')
                {
                    Unsafe.Add(ref destination, w++) = Unsafe.Add(ref source, r++);
                }

                if (r >= length)
                {
                    return w;
                }
            }

            // source[r] is a backslash.
            Unsafe.Add(ref destination, w++) = NextUnescaped(raw, ref r, header);
        }
    }

    // Most escaped values are short (a domain user, a message, a base64 id): one 64-byte load,
    // the backslashes that start an escape found from the bit masks, and one vpcompressb that
    // drops them. \n and \r are the only escapes whose second byte changes; they are patched after
    // the store. All 64 bytes of destination are stored, hence destination.Length >= 64.
    internal static int UnescapeAvx512(ref byte source, int length, ref byte destination, bool header)
    {
        var v = Vector512.LoadUnsafe(ref source);
        var inValue = length == 64 ? ulong.MaxValue : (1UL << length) - 1;
        var backslashes = Vector512.Equals(v, Vector512.Create((byte)'\\')).ExtractMostSignificantBits() & inValue;
        // The bytes Unescaped accepts after a backslash, as compares.
        var escapable = Vector512.Equals(v, Vector512.Create((byte)'\\')) | Vector512.Equals(v, Vector512.Create((byte)'|'));
        var lineBreaks = 0UL;
        if (!header)
        {
            var n = Vector512.Equals(v, Vector512.Create((byte)'n'));
            var r = Vector512.Equals(v, Vector512.Create((byte)'r'));
            escapable |= n | r | Vector512.Equals(v, Vector512.Create((byte)'='));
            lineBreaks = (n | r).ExtractMostSignificantBits();
        }

        // A backslash starts an escape when the byte after it, inside the value, can be escaped;
        // the escaped byte is then taken, so "\\\\" is one escape, not two starts.
        var valid = (escapable.ExtractMostSignificantBits() & inValue) >> 1;
        ulong drop = 0;
        while (backslashes != 0)
        {
            var bit = backslashes & (0 - backslashes);
            if ((valid & bit) != 0)
            {
                drop |= bit;
                backslashes &= ~(bit << 1);
            }

            backslashes &= ~bit;
        }

        var keep = ~drop & inValue;
        Avx512Vbmi2.Compress(Vector512<byte>.Zero, BitsToBytes(keep), v).StoreUnsafe(ref destination);
        var patches = lineBreaks & (drop << 1);
        while (patches != 0)
        {
            var at = BitOperations.TrailingZeroCount(patches);
            var to = at - BitOperations.PopCount(drop & ((1UL << at) - 1));
            Unsafe.Add(ref destination, to) = Unsafe.Add(ref source, at) == (byte)'n' ? (byte)'\n' : (byte)'\r';
            patches &= patches - 1;
        }

        return length - BitOperations.PopCount(drop);
    }

    // Bit i of mask becomes 0xFF in byte i: each 16-byte lane of the broadcast holds all eight
    // mask bytes twice, so an in-lane shuffle gives byte i the mask byte i / 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> BitsToBytes(ulong mask)
    {
        var spread = Avx512BW.Shuffle(Vector512.Create(mask).AsByte(), Vector512.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
            4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5,
            6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7));
        var bits = Vector512.Create(0x8040201008040201UL).AsByte();
        return Vector512.Equals(spread & bits, bits);
    }
}
