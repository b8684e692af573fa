using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>
/// The unescapers (64-byte AVX-512, 16-byte, search per backslash) are chosen by value length,
/// bytes readable after the value and destination size; each of them, and the choice among them,
/// must give what the scalar reference gives, which CefEscapingTests hold to the rules.
/// </summary>
public sealed class UnescapeVectorPathTests
{
    private static readonly byte[] Alphabet = "\\\\\\\\nr=|xa é\t"u8.ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_path_unescapes_as_the_scalar_reference_does(bool header)
    {
        var random = new Random(header ? 5 : 7);
        var vectorChecks = 0;
        for (var round = 0; round < 50_000; round++)
        {
            var length = random.Next(0, 90);
            var before = random.Next(0, 8);
            var after = random.Next(0, 80);
            var window = new byte[before + length + after];
            for (var i = 0; i < window.Length; i++)
            {
                window[i] = Alphabet[random.Next(Alphabet.Length)];
            }

            var raw = window.AsSpan(before, length);
            var reference = new byte[length];
            Assert.True(CefEscaping.TryUnescapeScalar(raw, reference, header, out var referenceLength));
            var expected = reference.AsSpan(0, referenceLength);

            var destination = new byte[random.Next(2) == 0 ? length : length + random.Next(0, 100)];
            Array.Fill(destination, (byte)'#');
            Assert.True(CefEscaping.TryUnescape(window, before, length, destination, header, out var written));
            AssertSame(expected, destination.AsSpan(0, written), "chosen path", raw, after, destination.Length);

            Assert.True(CefEscaping.TryUnescapeSearch(raw, destination, header, out written));
            AssertSame(expected, destination.AsSpan(0, written), "search", raw, after, destination.Length);

            if (Isa.Vector128)
            {
                // Read where the value lies in the window, with the bytes after it readable.
                written = CefEscaping.UnescapeVector128(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(window), before), length,
                    window.Length - before, ref MemoryMarshal.GetArrayDataReference(destination), header);
                AssertSame(expected, destination.AsSpan(0, written), "Vector128", raw, after, destination.Length);
                vectorChecks++;
            }

            if (Isa.Vector512Compress && length <= 64 && window.Length - before >= 64)
            {
                var wide = new byte[Math.Max(64, destination.Length)];
                written = CefEscaping.UnescapeAvx512(ref window[before], length, ref wide[0], header);
                AssertSame(expected, wide.AsSpan(0, written), "AVX-512", raw, after, wide.Length);
                vectorChecks++;
            }

            Assert.Equal(expected.Length, CefEscaping.UnescapedLength(raw, header));
            Assert.True(CefEscaping.UnescapedEquals(raw, expected, header));
            Assert.True(window.AsSpan(before, length).SequenceEqual(raw), "the source was changed");
        }

        Assert.True(vectorChecks > 0, "no vector path runs on this machine");
    }

    [Theory]
    [InlineData(@"CORP\\jdoe", "CORP\\jdoe")]
    [InlineData(@"5 failed\nthreshold\=5, window\=60s", "5 failed\nthreshold=5, window=60s")]
    [InlineData(@"\\\\\n\r\|\=\x\", "\\\\\n\r|=\\x\\")]
    [InlineData(@"3Fk2p0XsBABCAw4t+vc0yQ\=\=", "3Fk2p0XsBABCAw4t+vc0yQ==")]
    public void Short_values_inside_a_line_unescape_into_a_large_buffer(string raw, string expected)
    {
        var window = System.Text.Encoding.UTF8.GetBytes("k=" + raw + " " + new string('z', 70));
        var destination = new byte[256];
        Assert.True(CefEscaping.TryUnescape(window, 2, raw.Length, destination, header: false, out var written));
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(destination, 0, written));
    }

    private static void AssertSame(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string path, ReadOnlySpan<byte> raw, int after, int destination)
    {
        if (!actual.SequenceEqual(expected))
        {
            Assert.Fail($"{path}: raw '{Convert.ToHexString(raw)}' after {after} dest {destination}: "
                + $"got {Convert.ToHexString(actual)}, want {Convert.ToHexString(expected)}");
        }
    }
}
