namespace Aeg.Cef;

/// <summary>
/// Finds, in order, the positions of two byte values in a span by comparing 32-byte blocks at
/// once and handing out the hits from a bit mask (the structural-index idea of simdjson).
/// </summary>
/// <remarks>
/// CEF values are short, so a vectorised search per value pays its start-up cost per value;
/// one block compare serves every hit inside the block instead.
/// </remarks>
internal struct ByteScanner
{
    private const int BlockSize = 32;

    private int _blockStart;
    private uint _mask;
    private readonly byte _first, _second;

    /// <summary>Starts scanning at <paramref name="start"/>.</summary>
    public ByteScanner(ReadOnlySpan<byte> data, int start, int end, byte first, byte second)
    {
        _first = first;
        _second = second;
        _blockStart = start;
        _mask = start < end ? LoadMask(data, start, end, first, second) : 0;
    }

    /// <summary>The next position holding one of the two bytes, or -1 past <paramref name="end"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(ReadOnlySpan<byte> data, int end)
    {
        while (_mask == 0)
        {
            _blockStart += BlockSize;
            if (_blockStart >= end)
            {
                _blockStart = end;
                return -1;
            }

            _mask = LoadMask(data, _blockStart, end, _first, _second);
        }

        var position = _blockStart + BitOperations.TrailingZeroCount(_mask);
        _mask &= _mask - 1;
        return position;
    }

    private static uint LoadMask(ReadOnlySpan<byte> data, int start, int end, byte first, byte second)
    {
        if (end - start >= BlockSize)
        {
            ref var at = ref Unsafe.Add(ref MemoryMarshal.GetReference(data), start);
            if (Isa.Vector256)
            {
                var block = Vector256.LoadUnsafe(ref at);
                return (Vector256.Equals(block, Vector256.Create(first)) | Vector256.Equals(block, Vector256.Create(second)))
                    .ExtractMostSignificantBits();
            }

            if (Isa.Vector128)
            {
                var low = Vector128.LoadUnsafe(ref at);
                var high = Vector128.LoadUnsafe(ref at, 16);
                var lowMask = (Vector128.Equals(low, Vector128.Create(first)) | Vector128.Equals(low, Vector128.Create(second))).ExtractMostSignificantBits();
                var highMask = (Vector128.Equals(high, Vector128.Create(first)) | Vector128.Equals(high, Vector128.Create(second))).ExtractMostSignificantBits();
                return lowMask | (highMask << 16);
            }
        }

        // The tail of the line (or a machine without SIMD): build the same mask byte by byte.
        uint mask = 0;
        var count = Math.Min(BlockSize, end - start);
        for (var i = 0; i < count; i++)
        {
            var b = data[start + i];
            if (b == first || b == second)
            {
                mask |= 1u << i;
            }
        }

        return mask;
    }
}
