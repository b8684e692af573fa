using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

namespace Aeg.Cef;

/// <summary>
/// Finds the extension's pair boundaries 64 bytes at a time: every '=' that ends a key preceded
/// by a space is found for the whole block with a few bit operations, so handing out a pair
/// costs a bit pop and a leading-zero count, and '=' inside values cost nothing.
/// </summary>
/// <remarks>
/// A value ends at the space before "key=". Mark the key bytes K and the spaces S of a block:
/// the key runs that start right after a space are <c>starts = (S &lt;&lt; 1) &amp; K</c>, and adding
/// <c>starts</c> to K carries each such run over to the byte that ends it (the simdjson trick).
/// Where that byte is '=', a pair starts. Spaces and carries cross block boundaries as single
/// bits. A key holds no backslash, so a backslash between two such '=' marks the value between
/// them as escaped.
/// </remarks>
internal struct ExtensionScanner
{
    internal const int BlockSize = 64;

    /// <summary>The most pairs one <see cref="Refill"/> finds.</summary>
    internal const int Batch = 16;

    private int _blockStart;
    private int _end;
    private ulong _pairs;            // '=' of the block that start a pair, not yet handed out
    private ulong _nonKey;           // bytes of the block that cannot be in a key
    private ulong _backslash;        // backslashes of the block after the last '=' handed out
    private int _lastNonKey;         // the last non-key byte before the block, for keys that run into it
    private ulong _carry;            // see FindPairs

    /// <summary>
    /// Starts at <paramref name="start"/>, the first key, which counts as preceded by a space
    /// so that the first pair is found like every other.
    /// </summary>
    public ExtensionScanner(ReadOnlySpan<byte> data, int start, int end)
    {
        _end = end;
        _blockStart = start;
        // The byte before the first key counts as a space and as the last non-key byte.
        _carry = 1UL << 63;
        _lastNonKey = start - 1;
        if (start < end)
        {
            Load(data);
        }
    }

    /// <summary>
    /// Finds up to <see cref="Batch"/> further pairs in one loop that keeps the scan in
    /// registers. Pair k (from 1) is stored as <c>bounds[2k]</c>, the space before its key, and
    /// <c>bounds[2k + 1]</c>, its '='; bit k - 1 of <paramref name="escapedBits"/> says whether
    /// the value before pair k (which ends at that space) holds a backslash. When the extension
    /// ends first, <paramref name="exhausted"/> is set, <c>bounds[2 (count + 1)]</c> is the end
    /// and bit <c>count</c> tells about the last value. Returns the number of pairs found.
    /// </summary>
    /// <remarks><paramref name="bounds"/> holds at least <c>2 Batch + 4</c> entries.</remarks>
    public int Refill(ReadOnlySpan<byte> data, Span<int> bounds, out uint escapedBits, out bool exhausted)
    {
        Debug.Assert(bounds.Length >= (2 * Batch) + 4);
        ref var line = ref MemoryMarshal.GetReference(data);
        ref var slots = ref MemoryMarshal.GetReference(bounds);
        var blockStart = _blockStart;
        var end = _end;
        var pairs = _pairs;
        var nonKey = _nonKey;
        var backslash = _backslash;
        var lastNonKey = _lastNonKey;
        var carry = _carry;
        var count = 0;
        // Bit count is the value still open; a backslash found in it is ORed in straight away.
        // (A full batch stops right after a pair, so its open value's backslashes are all
        // still in the block's mask.)
        var escaped = 0u;
        exhausted = false;
        while (count < Batch)
        {
            while (pairs == 0)
            {
                // Leave the block: what is left of its backslashes belongs to the open value.
                escaped |= (backslash != 0 ? 1u : 0u) << count;
                if (nonKey != 0)
                {
                    lastNonKey = blockStart + BlockSize - 1 - BitOperations.LeadingZeroCount(nonKey);
                }

                blockStart += BlockSize;
                if (blockStart >= end)
                {
                    blockStart = end;
                    nonKey = backslash = 0;
                    exhausted = true;
                    goto Done;
                }

                // The last, partial block is the 64 bytes that end at the end, shifted down:
                // the line is longer than a block here, or the first block would have covered it.
                var tail = blockStart - (end - BlockSize);
                var block = Classify(ref Unsafe.Add(ref line, tail > 0 ? end - BlockSize : blockStart));
                if (tail > 0)
                {
                    // Bits past the end become non-key, so no run and no pair can end there.
                    block.NonKey = (block.NonKey >> tail) | (ulong.MaxValue << (BlockSize - tail));
                    block.EqualsSign >>= tail;
                    block.Space >>= tail;
                    block.Backslash >>= tail;
                }

                pairs = FindPairs(block, ref carry);
                nonKey = block.NonKey;
                backslash = block.Backslash;
            }

            var offset = BitOperations.TrailingZeroCount(pairs);
            pairs &= pairs - 1;
            var below = (1UL << offset) - 1;
            // The key runs back to the last non-key byte, which may lie in an earlier block.
            var keyNonKey = nonKey & below;
            var space = keyNonKey != 0 ? blockStart + BlockSize - 1 - BitOperations.LeadingZeroCount(keyNonKey) : lastNonKey;
            escaped |= ((backslash & below) != 0 ? 1u : 0u) << count;
            backslash &= ~below;
            count++;
            Unsafe.Add(ref slots, 2 * count) = space;
            Unsafe.Add(ref slots, (2 * count) + 1) = blockStart + offset;
        }

    Done:
        if (exhausted)
        {
            Unsafe.Add(ref slots, 2 * (count + 1)) = end;
        }

        escapedBits = escaped;
        _blockStart = blockStart;
        _pairs = pairs;
        _nonKey = nonKey;
        _backslash = backslash;
        _lastNonKey = lastNonKey;
        _carry = carry;
        return count;
    }

    private void Load(ReadOnlySpan<byte> data)
    {
        ref var line = ref MemoryMarshal.GetReference(data);
        var block = _end - _blockStart >= BlockSize ? Classify(ref Unsafe.Add(ref line, _blockStart)) : LoadShort(ref line, _blockStart, _end);
        _pairs = FindPairs(block, ref _carry);
        _nonKey = block.NonKey;
        _backslash = block.Backslash;
    }

    // Bit 63 of carry: the byte before the block is a space; bit 0: a key run that follows a
    // space runs on into the block. The carry leaves bit 63 of the sum exactly when that byte
    // is a key byte and the sum cleared it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FindPairs(Masks block, ref ulong carry)
    {
        var key = ~block.NonKey;
        var starts = ((block.Space << 1) | (carry >> 63)) & key;
        var sum = key + starts + (carry & 1);
        carry = (block.Space & (1UL << 63)) | ((key & ~sum) >> 63);
        return sum & block.NonKey & block.EqualsSign;
    }

    // The first block when fewer than 64 bytes are left: the 64 bytes that end at the end,
    // shifted down, or for a line shorter than a block a zero-padded copy. Zero is a non-key
    // byte that matches nothing.
    private static Masks LoadShort(ref byte line, int blockStart, int end)
    {
        var remaining = end - blockStart;
        if (end >= BlockSize)
        {
            var block = Classify(ref Unsafe.Add(ref line, end - BlockSize));
            var shift = BlockSize - remaining;
            return new Masks
            {
                NonKey = (block.NonKey >> shift) | (ulong.MaxValue << remaining),
                EqualsSign = block.EqualsSign >> shift,
                Space = block.Space >> shift,
                Backslash = block.Backslash >> shift,
            };
        }

        var padded = default(Block);
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref line, blockStart), remaining).CopyTo(padded);
        return Classify(ref padded[0]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Masks Classify(ref byte at)
    {
        if (Isa.Vector512)
        {
            return ClassifyAvx512(ref at);
        }

        if (Isa.Vector256)
        {
            return ClassifyAvx2(ref at);
        }

        return Isa.Vector128 ? ClassifyVector128(ref at) : ClassifyScalar(ref at);
    }

    /// <summary>AVX-512BW: the AVX2 method on the whole block in one register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Masks ClassifyAvx512(ref byte at)
    {
        var v = Vector512.LoadUnsafe(ref at);
        var lowTable = Vector512.Create(
            (byte)26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 28, 20, 5, 20, 5, 20,
            26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 28, 20, 5, 20, 5, 20,
            26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 28, 20, 5, 20, 5, 20,
            26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 28, 20, 5, 20, 5, 20);
        var highTable = Vector512.Create(
            (byte)0, 0, 1, 2, 4, 16, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 1, 2, 4, 16, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 1, 2, 4, 16, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 1, 2, 4, 16, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
        var nibble = Vector512.Create((byte)0x0F);
        var low = Avx512BW.Shuffle(lowTable, v & nibble);
        var high = Avx512BW.Shuffle(highTable, Vector512.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble);
        return new Masks
        {
            NonKey = Vector512.Equals(low & high, Vector512<byte>.Zero).ExtractMostSignificantBits(),
            EqualsSign = Vector512.Equals(v, Vector512.Create((byte)'=')).ExtractMostSignificantBits(),
            Space = Vector512.Equals(v, Vector512.Create((byte)' ')).ExtractMostSignificantBits(),
            Backslash = Vector512.Equals(v, Vector512.Create((byte)'\\')).ExtractMostSignificantBits(),
        };
    }

    /// <summary>AVX2: key bytes by two nibble table look-ups (vpshufb), the rest by compares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Masks ClassifyAvx2(ref byte at)
    {
        ClassifyAvx2(Vector256.LoadUnsafe(ref at), out var nonKeyLow, out var equalsLow, out var spaceLow, out var backslashLow);
        ClassifyAvx2(Vector256.LoadUnsafe(ref at, 32), out var nonKeyHigh, out var equalsHigh, out var spaceHigh, out var backslashHigh);
        return new Masks
        {
            NonKey = nonKeyLow | ((ulong)nonKeyHigh << 32),
            EqualsSign = equalsLow | ((ulong)equalsHigh << 32),
            Space = spaceLow | ((ulong)spaceHigh << 32),
            Backslash = backslashLow | ((ulong)backslashHigh << 32),
        };
    }

    // Key bytes are letters, digits and _ . , [ ]. Each high nibble that has key bytes gets a bit
    // (2 → 1, 3 → 2, 4 and 6 → 4, 7 → 8, 5 → 16); the low-nibble table holds, per low nibble, the
    // bits of the high nibbles that make a key byte with it. A byte is a key byte when they share one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClassifyAvx2(Vector256<byte> v, out uint nonKey, out uint equals, out uint space, out uint backslash)
    {
        var lowTable = Vector256.Create(
            (byte)26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 28, 20, 5, 20, 5, 20,
            26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 28, 20, 5, 20, 5, 20);
        var highTable = Vector256.Create(
            (byte)0, 0, 1, 2, 4, 16, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 1, 2, 4, 16, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
        var nibble = Vector256.Create((byte)0x0F);
        var low = Avx2.Shuffle(lowTable, v & nibble);
        var high = Avx2.Shuffle(highTable, Vector256.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble);
        nonKey = Vector256.Equals(low & high, Vector256<byte>.Zero).ExtractMostSignificantBits();
        equals = Vector256.Equals(v, Vector256.Create((byte)'=')).ExtractMostSignificantBits();
        space = Vector256.Equals(v, Vector256.Create((byte)' ')).ExtractMostSignificantBits();
        backslash = Vector256.Equals(v, Vector256.Create((byte)'\\')).ExtractMostSignificantBits();
    }

    /// <summary>SSE2, AdvSimd and other 128-bit vector hardware: range compares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Masks ClassifyVector128(ref byte at)
    {
        // The AVX2 method's nibble tables, 16 bytes at a time. Half the instructions of comparing
        // ranges, and this is the path the shipped x86-64-v2 binary takes (RESULTS.md).
        var lowTable = Vector128.Create((byte)26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 28, 20, 5, 20, 5, 20);
        var highTable = Vector128.Create((byte)0, 0, 1, 2, 4, 16, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
        var nibble = Vector128.Create((byte)0x0F);
        ulong nonKey = 0, equals = 0, space = 0, backslash = 0;
        for (var part = 0; part < 4; part++)
        {
            var v = Vector128.LoadUnsafe(ref at, (nuint)(part * 16));
            var low = Isa.Lookup16(lowTable, v & nibble);
            var high = Isa.Lookup16(highTable, Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble);
            var shift = part * 16;
            nonKey |= (ulong)Vector128.Equals(low & high, Vector128<byte>.Zero).ExtractMostSignificantBits() << shift;
            equals |= (ulong)Vector128.Equals(v, Vector128.Create((byte)'=')).ExtractMostSignificantBits() << shift;
            space |= (ulong)Vector128.Equals(v, Vector128.Create((byte)' ')).ExtractMostSignificantBits() << shift;
            backslash |= (ulong)Vector128.Equals(v, Vector128.Create((byte)'\\')).ExtractMostSignificantBits() << shift;
        }

        return new Masks { NonKey = nonKey, EqualsSign = equals, Space = space, Backslash = backslash };
    }

    /// <summary>No vector hardware: the same masks byte by byte.</summary>
    internal static Masks ClassifyScalar(ref byte at)
    {
        ulong nonKey = 0, equals = 0, space = 0, backslash = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = Unsafe.Add(ref at, i);
            var bit = 1UL << i;
            if (!CefEscaping.KeyBytes.Contains(b))
            {
                nonKey |= bit;
            }

            if (b == (byte)'=')
            {
                equals |= bit;
            }
            else if (b == (byte)' ')
            {
                space |= bit;
            }
            else if (b == (byte)'\\')
            {
                backslash |= bit;
            }
        }

        return new Masks { NonKey = nonKey, EqualsSign = equals, Space = space, Backslash = backslash };
    }

    // Bit i describes byte i of a block.
    internal struct Masks
    {
        public ulong NonKey;
        public ulong EqualsSign;
        public ulong Space;
        public ulong Backslash;
    }

    [InlineArray(BlockSize)]
    private struct Block
    {
        private byte _element;
    }
}
