using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>
/// Each vector classifier must give exactly the byte-by-byte masks, for every byte value at
/// every position; only the variants this machine supports can run.
/// </summary>
public sealed class ExtensionScannerClassifyTests
{
    private static readonly byte[] Interesting = "= \\az AZ09_.,[]-|:\t\r\n/@`{~\x7f"u8.ToArray();

    [Fact]
    public void Every_byte_value_in_every_position_classifies_as_the_scalar_reference_does()
    {
        var block = new byte[ExtensionScanner.BlockSize];
        var checkedVariants = 0;
        for (var value = 0; value < 256; value++)
        {
            for (var position = 0; position < block.Length; position++)
            {
                Array.Fill(block, (byte)'a');
                block[position] = (byte)value;
                checkedVariants = CompareAll(block);
            }
        }

        Assert.True(checkedVariants >= 1, "no vector classifier runs on this machine");
    }

    [Fact]
    public void Random_blocks_classify_as_the_scalar_reference_does()
    {
        var random = new Random(20261203);
        var block = new byte[ExtensionScanner.BlockSize];
        for (var round = 0; round < 20_000; round++)
        {
            for (var i = 0; i < block.Length; i++)
            {
                block[i] = random.Next(3) == 0 ? (byte)random.Next(256) : Interesting[random.Next(Interesting.Length)];
            }

            CompareAll(block);
        }
    }

    private static int CompareAll(byte[] block)
    {
        var expected = ExtensionScanner.ClassifyScalar(ref block[0]);
        var variants = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            AssertSame(expected, ExtensionScanner.ClassifyVector128(ref block[0]), "Vector128", block);
            variants++;
        }

        if (Avx2.IsSupported)
        {
            AssertSame(expected, ExtensionScanner.ClassifyAvx2(ref block[0]), "AVX2", block);
            variants++;
        }

        if (Avx512BW.IsSupported)
        {
            AssertSame(expected, ExtensionScanner.ClassifyAvx512(ref block[0]), "AVX-512", block);
            variants++;
        }

        return variants;
    }

    private static void AssertSame(ExtensionScanner.Masks expected, ExtensionScanner.Masks actual, string variant, byte[] block)
    {
        if (expected.NonKey != actual.NonKey || expected.EqualsSign != actual.EqualsSign
            || expected.Space != actual.Space || expected.Backslash != actual.Backslash)
        {
            Assert.Fail($"{variant} differs from scalar on block {Convert.ToHexString(block)}: "
                + $"nonKey {actual.NonKey:X16}/{expected.NonKey:X16} equals {actual.EqualsSign:X16}/{expected.EqualsSign:X16} "
                + $"space {actual.Space:X16}/{expected.Space:X16} backslash {actual.Backslash:X16}/{expected.Backslash:X16}");
        }
    }
}
