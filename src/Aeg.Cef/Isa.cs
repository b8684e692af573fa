using System.Runtime.Intrinsics.X86;

namespace Aeg.Cef;

/// <summary>
/// The one place that decides which vector instructions the parser uses. Each level is a JIT-time
/// constant (so is every <c>IsSupported</c> it reads), so a branch on it costs nothing and the
/// paths this CPU cannot take are not even compiled. Every vector path has a scalar twin beside
/// it that gives the same result, and the tests pin the one to the other.
/// </summary>
internal static class Isa
{
    /// <summary>16-byte compares and mask extraction (SSE2, AdvSimd).</summary>
    internal static bool Vector128
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated;
    }

    /// <summary>32-byte compares, and AVX2's in-lane byte shuffle for table look-ups.</summary>
    internal static bool Vector256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && Avx2.IsSupported;
    }

    /// <summary>A whole 64-byte block in one register, with AVX-512BW's byte shuffle.</summary>
    internal static bool Vector512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && Avx512BW.IsSupported;
    }

    /// <summary><see cref="Vector512"/> plus AVX-512 VBMI2's byte compress (<c>vpcompressb</c>).</summary>
    internal static bool Vector512Compress
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512 && Avx512Vbmi2.IsSupported;
    }

    /// <summary>
    /// Byte i of the result is <c>table[index[i]]</c>, for indices below 16: SSSE3's pshufb (every
    /// x64 CPU .NET 10 runs on has it), elsewhere the platform's own table look-up (AdvSimd's tbl).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> Lookup16(Vector128<byte> table, Vector128<byte> index)
        => Ssse3.IsSupported ? Ssse3.Shuffle(table, index) : System.Runtime.Intrinsics.Vector128.ShuffleNative(table, index);
}
