using System.Diagnostics;

namespace Aeg.Cef;

// The extension: key=value pairs, found a batch at a time by ExtensionScanner.
public ref partial struct CefReader
{
    /// <summary>Moves to the next extension pair; false at the end or on error (see <see cref="Error"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadNextExtension()
    {
        // Fast path: the pair was found by the last refill.
        return ++_pair < _pairsReady || ReadNextExtensionSlow();
    }

    private bool ReadNextExtensionSlow()
    {
        int first, firstKey = 0;
        if (_state == ExtensionState.Iterating)
        {
            // The pair after the last one handed out is still open: it starts the next batch.
            var consumed = _pairsReady;
            _bounds[0] = _bounds[consumed * 2];
            _bounds[1] = _bounds[(consumed * 2) + 1];
            first = 0;
        }
        else if (_state == ExtensionState.NotStarted && StartExtension(out firstKey))
        {
            // The first key is pair 1 of the first batch; slot 0 stays unused.
            first = 1;
        }
        else
        {
            return Finish();
        }

        var found = _scanner.Refill(_line, _bounds, out _escapedBits, out var exhausted);
        // The scanner takes the first key as preceded by a space, so the first pair it finds
        // starts there exactly when the extension opens with "key=".
        if (first == 1 && (found == 0 || _bounds[2] != firstKey - 1))
        {
            Fail(CefError.ExtensionWithoutKey, firstKey);
            return Finish();
        }

        // A batch stops at MaxBatch pairs or at the end, so there is always a pair to hand out;
        // the last one found is ready only at the end, as its value runs to the next key.
        _pairsReady = exhausted ? found + 1 : found;
        _state = exhausted ? ExtensionState.Last : ExtensionState.Iterating;
        _pair = first;
        return true;
    }

    private bool Finish()
    {
        _state = ExtensionState.Done;
        _pair = _pairsReady = 0;
        _escapedBits = 0;
        return false;
    }

    // Skips to the first key and starts the scanner there; false for an empty extension.
    private bool StartExtension(out int firstKey)
    {
        firstKey = 0;
        if (_error != CefError.None)
        {
            return false;
        }

        var line = _line;
        var end = _end;
        var p = _extensionStart;
        while (p < end && line[p] == (byte)' ')
        {
            p++;
        }

        if (p >= end)
        {
            return false;
        }

        firstKey = p;
        _scanner = new ExtensionScanner(line, p, end);
        return true;
    }

    /// <summary>The current extension key.</summary>
    public readonly ReadOnlySpan<byte> Key
    {
        get
        {
            ref readonly var at = ref Slot(_pair);
            return _pairsReady > 0 ? Part(at + 1, Unsafe.Add(ref Unsafe.AsRef(in at), 1) - at - 1) : default;
        }
    }

    /// <summary>The current extension value as on the wire (still escaped, trailing blanks of the last value dropped).</summary>
    public readonly ReadOnlySpan<byte> RawValue
    {
        get
        {
            ref readonly var equals = ref Unsafe.Add(ref Unsafe.AsRef(in Slot(_pair)), 1);
            return _pairsReady > 0 ? Part(equals + 1, Unsafe.Add(ref Unsafe.AsRef(in equals), 1) - equals - 1) : default;
        }
    }

    public readonly bool ValueNeedsUnescaping => ((_escapedBits >> _pair) & 1) != 0;

    // _pair is below MaxBatch + 1 and the batch has two more entries after it, so the element
    // check of the inline array is left out of the consumer's loop.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ref readonly int Slot(int pair)
    {
        Debug.Assert((uint)pair <= MaxBatch + 1);
        return ref Unsafe.Add(ref Unsafe.AsRef(in _bounds[0]), (nint)(uint)pair * 2);
    }

    // Key and value offsets come from the scanner, which never looks past _end: they lie inside
    // the line by construction, so the range check of Slice, which the consumer's loop would
    // pay twice per pair, is left out. A debug build still checks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ReadOnlySpan<byte> Part(int start, int length)
    {
        Debug.Assert((uint)start + (ulong)(uint)length <= (uint)_line.Length);
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetReference(_line), (nint)(uint)start), length);
    }

    /// <summary>Unescapes the current value into <paramref name="destination"/>; false if it is too small.</summary>
    /// <remarks>Bytes of <paramref name="destination"/> after <paramref name="bytesWritten"/> may be overwritten.</remarks>
    public readonly bool TryCopyValue(Span<byte> destination, out int bytesWritten)
    {
        var raw = RawValue;
        if (!ValueNeedsUnescaping)
        {
            var copied = raw.TryCopyTo(destination);
            bytesWritten = copied ? raw.Length : 0;
            return copied;
        }

        // The bytes after the value are still the line's, so the unescaping may read past it.
        var valueStart = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(_line), ref MemoryMarshal.GetReference(raw));
        return CefEscaping.TryUnescape(_line, valueStart, raw.Length, destination, header: false, out bytesWritten);
    }

    /// <summary>Compares the current value, unescaped, with <paramref name="utf8Text"/> without copying.</summary>
    public readonly bool ValueEquals(ReadOnlySpan<byte> utf8Text)
        => ValueNeedsUnescaping ? CefEscaping.UnescapedEquals(RawValue, utf8Text, header: false) : RawValue.SequenceEqual(utf8Text);

    /// <summary>The unescaped current value as a string (allocates; not for the hot path).</summary>
    public readonly string GetValueString() => ToUnescapedString(RawValue, header: false);

    [InlineArray((MaxBatch + 2) * 2)]
    private struct Boundaries
    {
        private int _element;
    }

    private enum ExtensionState : byte
    {
        NotStarted,
        Iterating,
        // The batch holds the last pair.
        Last,
        Done,
    }
}
