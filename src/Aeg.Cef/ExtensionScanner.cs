using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    private int _blockStart;
    private int _end;
    private ulong _pairs;            // '=' of the block that start a pair, not yet handed out
    private ulong _nonKey;           // bytes of the block that cannot be in a key
    private ulong _backslash;        // backslashes of the block after the last '=' handed out
    private ulong _skippedBackslash; // non-zero: a backslash after the last '=' handed out, in an earlier block
    private ulong _previousNonKey;   // the non-key bytes of the block before, for keys that run into the block
    private ulong _previousSpace;    // bit 63: the byte before the block is a space
    private ulong _runCarry;         // 1: a key run that follows a space runs into the block

    /// <summary>
    /// Starts at <paramref name="start"/>, the first key, which counts as preceded by a space
    /// so that the first pair is found like every other.
    /// </summary>
    public ExtensionScanner(ReadOnlySpan<byte> data, int start, int end)
    {
        _end = end;
        _blockStart = start;
        // The byte before the first key counts as a space and as the last non-key byte.
        _previousSpace = 1UL << 63;
        _previousNonKey = 1UL << 63;
        if (start < end)
        {
            Load(data);
        }
    }

    /// <summary>True when the current block still holds a pair, so <see cref="TakePair"/> may be called.</summary>
    public readonly bool HasPair
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _pairs != 0;
    }

    /// <summary>True when a backslash follows the last '=' handed out (valid once exhausted: the last value).</summary>
    public readonly bool BackslashPending => (_skippedBackslash | _backslash) != 0;

    /// <summary>
    /// The next pair: where its key starts, its '=', and whether the bytes since the previous
    /// pair's '=' (the previous value) hold a backslash. False once the extension is exhausted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryNextPair(ReadOnlySpan<byte> data, out int keyStart, out int equals, out bool escapedBefore)
    {
        if (_pairs == 0 && !AdvanceToPair(data))
        {
            keyStart = equals = 0;
            escapedBefore = false;
            return false;
        }

        var pairs = _pairs;
        var offset = BitOperations.TrailingZeroCount(pairs);
        _pairs = pairs & (pairs - 1);
        var below = (1UL << offset) - 1;
        var nonKey = _nonKey & below;
        keyStart = nonKey != 0 ? _blockStart + BlockSize - BitOperations.LeadingZeroCount(nonKey) : KeyStartBeforeBlock(data);
        equals = _blockStart + offset;
        escapedBefore = ((_backslash & below) | _skippedBackslash) != 0;
        _backslash &= ~below;
        _skippedBackslash = 0;
        return true;
    }

    /// <summary>
    /// Hands out the next pair of the current block; only when <see cref="HasPair"/>. The first
    /// pair of a block is always handed out by <see cref="TryNextPair"/>, so here the previous
    /// pair's '=' lies in this block: the key starts in it, and no earlier block's backslash
    /// is pending.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TakePair(out int keyStart, out int equals, out bool escapedBefore)
    {
        var pairs = _pairs;
        var offset = BitOperations.TrailingZeroCount(pairs);
        _pairs = pairs & (pairs - 1);
        var below = (1UL << offset) - 1;
        keyStart = _blockStart + BlockSize - BitOperations.LeadingZeroCount(_nonKey & below);
        equals = _blockStart + offset;
        var backslash = _backslash;
        escapedBefore = (backslash & below) != 0;
        _backslash = backslash & ~below;
    }

    // A key that runs into the block from the one before (rare: keys are short), or from even
    // earlier (a key longer than a block: rarer still, so found byte by byte).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly int KeyStartBeforeBlock(ReadOnlySpan<byte> data)
    {
        if (_previousNonKey != 0)
        {
            return _blockStart - BitOperations.LeadingZeroCount(_previousNonKey);
        }

        var p = _blockStart - BlockSize;
        while (CefEscaping.KeyBytes.Contains(data[p - 1]))
        {
            p--;
        }

        return p;
    }

    // Moves block by block to the next one that holds a pair. What one block hands to the next
    // lives in locals here: as fields, each would be a store and a reload on the path from one
    // block to the next, and that chain, not the classification, would set the pace.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool AdvanceToPair(ReadOnlySpan<byte> data)
    {
        ref var line = ref MemoryMarshal.GetReference(data);
        var blockStart = _blockStart;
        var end = _end;
        var nonKey = _nonKey;
        var skippedBackslash = _skippedBackslash | _backslash;
        var previousSpace = _previousSpace;
        var runCarry = _runCarry;
        ulong previousNonKey, pairs;
        Masks block;
        // The partial last block is loaded by a call after the loop: inside it, the call would
        // push the loop's state out of registers.
        var lastFullBlock = end - BlockSize;
        while (true)
        {
            previousNonKey = nonKey;
            blockStart += BlockSize;
            if (blockStart > lastFullBlock)
            {
                break;
            }

            block = Classify(ref Unsafe.Add(ref line, blockStart));
            nonKey = block.NonKey;
            pairs = FindPairs(block, previousSpace, runCarry);
            runCarry = RunCarry(block, previousSpace, runCarry);
            previousSpace = block.Space;
            if (pairs != 0)
            {
                goto Found;
            }

            // Backslashes of a block without pairs belong to the value that is still open.
            skippedBackslash |= block.Backslash;
        }

        if (blockStart >= end)
        {
            // Exhausted: the skipped backslashes now cover everything up to the end.
            _blockStart = end;
            _nonKey = _backslash = _pairs = 0;
            _skippedBackslash = skippedBackslash;
            return false;
        }

        block = LoadTail(ref line, blockStart, end);
        nonKey = block.NonKey;
        pairs = FindPairs(block, previousSpace, runCarry);
        if (pairs == 0)
        {
            _blockStart = end;
            _nonKey = _backslash = 0;
            _skippedBackslash = skippedBackslash | block.Backslash;
            return false;
        }

    Found:
        _blockStart = blockStart;
        _pairs = pairs;
        _nonKey = nonKey;
        _previousNonKey = previousNonKey;
        _backslash = block.Backslash;
        _skippedBackslash = skippedBackslash;
        _previousSpace = previousSpace;
        _runCarry = runCarry;
        return true;
    }

    private void Load(ReadOnlySpan<byte> data)
    {
        ref var line = ref MemoryMarshal.GetReference(data);
        var block = _end - _blockStart >= BlockSize ? Classify(ref Unsafe.Add(ref line, _blockStart)) : LoadTail(ref line, _blockStart, _end);
        _pairs = FindPairs(block, _previousSpace, _runCarry);
        _runCarry = RunCarry(block, _previousSpace, _runCarry);
        _previousSpace = block.Space;
        _nonKey = block.NonKey;
        _backslash = block.Backslash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FindPairs(Masks block, ulong previousSpace, ulong runCarry)
    {
        var key = ~block.NonKey;
        var starts = ((block.Space << 1) | (previousSpace >> 63)) & key;
        return (key + starts + runCarry) & block.NonKey & block.EqualsSign;
    }

    // Whether a key run that follows a space runs on into the next block: the carry leaves
    // bit 63 exactly when that byte is a key byte and the sum cleared it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RunCarry(Masks block, ulong previousSpace, ulong runCarry)
    {
        var key = ~block.NonKey;
        var starts = ((block.Space << 1) | (previousSpace >> 63)) & key;
        return (key & ~(key + starts + runCarry)) >> 63;
    }

    // The last, partial block: the 64 bytes that end at the end, shifted down, or for a line
    // shorter than a block a zero-padded copy. Zero is a non-key byte that matches nothing.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Masks LoadTail(ref byte line, int blockStart, int end)
    {
        var remaining = end - blockStart;
        if (end >= BlockSize)
        {
            var block = Classify(ref Unsafe.Add(ref line, end - BlockSize));
            var shift = BlockSize - remaining;
            // Bits past the end become non-key, so no run and no pair can end there.
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
        if (Avx2.IsSupported)
        {
            return ClassifyAvx2(ref at);
        }

        return Vector128.IsHardwareAccelerated ? ClassifyVector128(ref at) : ClassifyScalar(ref at);
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
        ulong nonKey = 0, equals = 0, space = 0, backslash = 0;
        for (var part = 0; part < 4; part++)
        {
            var v = Vector128.LoadUnsafe(ref at, (nuint)(part * 16));
            var letter = Vector128.LessThanOrEqual((v | Vector128.Create((byte)0x20)) - Vector128.Create((byte)'a'), Vector128.Create((byte)25));
            var digit = Vector128.LessThanOrEqual(v - Vector128.Create((byte)'0'), Vector128.Create((byte)9));
            var twoBit = v | Vector128.Create((byte)0x02);
            // (b | 2) == '.' matches ',' and '.'; (b | 2) == '_' matches ']' and '_'.
            var punctuation = Vector128.Equals(twoBit, Vector128.Create((byte)'.')) | Vector128.Equals(twoBit, Vector128.Create((byte)'_'))
                | Vector128.Equals(v, Vector128.Create((byte)'['));
            var shift = part * 16;
            nonKey |= (ulong)(~(letter | digit | punctuation).ExtractMostSignificantBits() & 0xFFFF) << shift;
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
