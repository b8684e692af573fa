using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Aeg.Cef;

/// <summary>
/// Classifies the extension 32 bytes at a time into bit masks of '=', '\' and bytes that
/// cannot be part of a key, so that finding where a value ends costs a few bit operations per
/// '=' instead of a walk over every key and value byte.
/// </summary>
/// <remarks>
/// A value ends at the space before "key=". Going back from an '=', the first byte that is
/// not a key byte must be that space, so one leading-zero count over the non-key mask decides
/// whether an '=' starts a new pair. A key holds no backslash, so the backslash mask alone says
/// whether a value needs unescaping.
/// </remarks>
internal struct ExtensionScanner
{
    private const int BlockSize = 32;

    private int _blockStart;
    private int _end;
    private uint _equalsLeft;    // '=' positions of the block not yet handed out
    private uint _nonKey;        // bytes of the block that cannot be in a key
    private uint _backslash;     // backslashes of the block
    private int _lastNonKeyBefore;   // last non-key byte before the block (-1: none)
    private int _lastBackslashBefore; // last backslash before the block (-1: none)

    /// <summary>Starts at <paramref name="start"/>, just after a key's '=' (which is a non-key byte).</summary>
    public ExtensionScanner(ReadOnlySpan<byte> data, int start, int end)
    {
        _end = end;
        _blockStart = start;
        _lastNonKeyBefore = start - 1;
        _lastBackslashBefore = -1;
        if (start < end)
        {
            Load(data);
        }
    }

    /// <summary>The next '=' position, or -1 when the extension is exhausted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextEquals(ReadOnlySpan<byte> data)
    {
        while (_equalsLeft == 0)
        {
            if (!Advance(data))
            {
                return -1;
            }
        }

        var position = _blockStart + BitOperations.TrailingZeroCount(_equalsLeft);
        _equalsLeft &= _equalsLeft - 1;
        return position;
    }

    /// <summary>The last non-key byte before <paramref name="position"/>, which lies in the current block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int LastNonKeyBefore(int position) => LastBefore(_nonKey, position, _lastNonKeyBefore);

    /// <summary>The last backslash before <paramref name="position"/> (in the current block, or the end once exhausted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int LastBackslashBefore(int position) => LastBefore(_backslash, position, _lastBackslashBefore);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int LastBefore(uint mask, int position, int before)
    {
        var offset = position - _blockStart;
        var below = offset >= BlockSize ? mask : mask & ((1u << offset) - 1);
        return below != 0 ? _blockStart + 31 - BitOperations.LeadingZeroCount(below) : before;
    }

    private bool Advance(ReadOnlySpan<byte> data)
    {
        if (_nonKey != 0)
        {
            _lastNonKeyBefore = _blockStart + 31 - BitOperations.LeadingZeroCount(_nonKey);
        }

        if (_backslash != 0)
        {
            _lastBackslashBefore = _blockStart + 31 - BitOperations.LeadingZeroCount(_backslash);
        }

        _nonKey = _backslash = 0;
        if (_blockStart + BlockSize >= _end)
        {
            // Exhausted: the "before" fields now cover everything up to the end.
            _blockStart = _end;
            return false;
        }

        _blockStart += BlockSize;
        Load(data);
        return true;
    }

    private void Load(ReadOnlySpan<byte> data)
    {
        if (_end - _blockStart >= BlockSize)
        {
            ref var at = ref Unsafe.Add(ref MemoryMarshal.GetReference(data), _blockStart);
            if (Vector256.IsHardwareAccelerated)
            {
                Classify(Vector256.LoadUnsafe(ref at), out _equalsLeft, out _nonKey, out _backslash);
                return;
            }

            if (Vector128.IsHardwareAccelerated)
            {
                Classify(Vector128.LoadUnsafe(ref at), out var eqLow, out var nonKeyLow, out var bsLow);
                Classify(Vector128.LoadUnsafe(ref at, 16), out var eqHigh, out var nonKeyHigh, out var bsHigh);
                _equalsLeft = eqLow | (eqHigh << 16);
                _nonKey = nonKeyLow | (nonKeyHigh << 16);
                _backslash = bsLow | (bsHigh << 16);
                return;
            }
        }

        // The tail of the line, or no SIMD: the same masks byte by byte.
        uint equals = 0, nonKey = 0, backslash = 0;
        var count = Math.Min(BlockSize, _end - _blockStart);
        for (var i = 0; i < count; i++)
        {
            var b = data[_blockStart + i];
            if (b == (byte)'=')
            {
                equals |= 1u << i;
            }

            if (b == (byte)'\\')
            {
                backslash |= 1u << i;
            }

            if (!CefEscaping.KeyBytes.Contains(b))
            {
                nonKey |= 1u << i;
            }
        }

        _equalsLeft = equals;
        _nonKey = nonKey;
        _backslash = backslash;
    }

    // Key bytes: letters, digits, '_', '.', ',', '[', ']'.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Classify(Vector256<byte> v, out uint equals, out uint nonKey, out uint backslash)
    {
        var letter = Vector256.LessThanOrEqual((v | Vector256.Create((byte)0x20)) - Vector256.Create((byte)'a'), Vector256.Create((byte)25));
        var digit = Vector256.LessThanOrEqual(v - Vector256.Create((byte)'0'), Vector256.Create((byte)9));
        var twoBit = v | Vector256.Create((byte)0x02);
        // (b | 2) == '.' matches ',' and '.'; (b | 2) == '_' matches ']' and '_'.
        var punctuation = Vector256.Equals(twoBit, Vector256.Create((byte)'.')) | Vector256.Equals(twoBit, Vector256.Create((byte)'_'))
            | Vector256.Equals(v, Vector256.Create((byte)'['));
        nonKey = ~(letter | digit | punctuation).ExtractMostSignificantBits();
        equals = Vector256.Equals(v, Vector256.Create((byte)'=')).ExtractMostSignificantBits();
        backslash = Vector256.Equals(v, Vector256.Create((byte)'\\')).ExtractMostSignificantBits();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Classify(Vector128<byte> v, out uint equals, out uint nonKey, out uint backslash)
    {
        var letter = Vector128.LessThanOrEqual((v | Vector128.Create((byte)0x20)) - Vector128.Create((byte)'a'), Vector128.Create((byte)25));
        var digit = Vector128.LessThanOrEqual(v - Vector128.Create((byte)'0'), Vector128.Create((byte)9));
        var twoBit = v | Vector128.Create((byte)0x02);
        var punctuation = Vector128.Equals(twoBit, Vector128.Create((byte)'.')) | Vector128.Equals(twoBit, Vector128.Create((byte)'_'))
            | Vector128.Equals(v, Vector128.Create((byte)'['));
        nonKey = ~(letter | digit | punctuation).ExtractMostSignificantBits() & 0xFFFF;
        equals = Vector128.Equals(v, Vector128.Create((byte)'=')).ExtractMostSignificantBits();
        backslash = Vector128.Equals(v, Vector128.Create((byte)'\\')).ExtractMostSignificantBits();
    }
}
