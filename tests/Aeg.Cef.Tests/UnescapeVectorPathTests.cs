using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>
/// The vector unescapers (64-byte AVX-512, 16-byte, byte loop) are chosen by value length, bytes
/// readable after the value and destination size; every combination must give what the plain
/// reading of the escaping rules gives.
/// </summary>
public sealed class UnescapeVectorPathTests
{
    private static readonly byte[] Alphabet = "\\\\\\\\nr=|xa é\t"u8.ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_path_unescapes_as_the_rules_say(bool header)
    {
        var random = new Random(header ? 5 : 7);
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
            var expected = Reference(raw, header);
            var destination = new byte[random.Next(2) == 0 ? length : length + random.Next(0, 100)];
            Array.Fill(destination, (byte)'#');
            Assert.True(CefEscaping.TryUnescape(window, before, length, destination, header, out var written));
            if (!destination.AsSpan(0, written).SequenceEqual(expected))
            {
                Assert.Fail($"header={header} raw '{Convert.ToHexString(raw)}' after {after} dest {destination.Length}: "
                    + $"got {Convert.ToHexString(destination.AsSpan(0, written))}, want {Convert.ToHexString(expected)}");
            }

            Assert.Equal(expected.Length, CefEscaping.UnescapedLength(raw, header));
            Assert.True(window.AsSpan(before, length).SequenceEqual(raw), "the source was changed");
        }
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

    private static byte[] Reference(ReadOnlySpan<byte> raw, bool header)
    {
        var output = new List<byte>();
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'\\' && i + 1 < raw.Length)
            {
                byte? unescaped = raw[i + 1] switch
                {
                    (byte)'\\' => (byte)'\\',
                    (byte)'|' => (byte)'|',
                    (byte)'=' when !header => (byte)'=',
                    (byte)'n' when !header => (byte)'\n',
                    (byte)'r' when !header => (byte)'\r',
                    _ => null,
                };
                if (unescaped is { } u)
                {
                    output.Add(u);
                    i++;
                    continue;
                }
            }

            output.Add(b);
        }

        return output.ToArray();
    }
}
