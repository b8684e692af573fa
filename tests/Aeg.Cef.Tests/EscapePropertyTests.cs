using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>
/// The writer's escaper (a vectorised search for the specials, the text between them encoded or
/// copied in bulk) must give what the byte-by-byte scalar reference gives, for UTF-16 and UTF-8
/// text, in values and in header fields; and unescaping must undo escaping.
/// </summary>
public sealed class EscapePropertyTests
{
    // Specials of both contexts, ASCII, 2-, 3- and 4-byte characters, lone surrogates.
    private static readonly string[] Pieces = ["\\", "=", "|", "\r", "\n", "a", " ", "é", "€", "𝄞", "\uD800", "\uDC00", "\t", "x=y"];

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Text_escapes_as_the_scalar_reference_does(bool header, bool utf8)
    {
        var random = new Random((header ? 11 : 13) + (utf8 ? 100 : 0));
        for (var round = 0; round < 20_000; round++)
        {
            var text = RandomText(random);
            if (!utf8)
            {
                // A lone surrogate becomes U+FFFD in both: the writer encodes as Encoding.UTF8 does.
                var destination = new byte[3 * text.Length];
                var written = CefEscaping.Escape<Utf16Text, char>(text, destination, header);
                AssertSame(Reference(Encoding.UTF8.GetBytes(text), header), destination.AsSpan(0, written));
                continue;
            }

            // Any bytes, valid UTF-8 or not: they are copied as they are.
            var bytes = random.Next(2) == 0 ? Encoding.UTF8.GetBytes(text) : RandomBytes(random);
            var escaped = new byte[2 * bytes.Length];
            AssertSame(Reference(bytes, header), escaped.AsSpan(0, CefEscaping.Escape<Utf8Text, byte>(bytes, escaped, header)));
        }
    }

    [Fact]
    public void Unescaping_an_escaped_value_gives_it_back()
    {
        var random = new Random(23);
        for (var round = 0; round < 20_000; round++)
        {
            var bytes = RandomBytes(random);
            var escaped = Reference(bytes, header: false);
            var unescaped = new byte[escaped.Length];
            Assert.True(CefEscaping.TryUnescapeScalar(escaped, unescaped, header: false, out var written));
            AssertSame(bytes, unescaped.AsSpan(0, written));
        }
    }

    private static void AssertSame(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
        => Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));

    private static byte[] Reference(byte[] utf8, bool header)
    {
        var destination = new byte[2 * utf8.Length];
        return destination.AsSpan(0, CefEscaping.EscapeScalar(utf8, destination, header)).ToArray();
    }

    private static string RandomText(Random random)
    {
        var sb = new StringBuilder();
        var pieces = random.Next(0, random.Next(8) == 0 ? 400 : 30);
        for (var i = 0; i < pieces; i++)
        {
            sb.Append(Pieces[random.Next(Pieces.Length)]);
        }

        return sb.ToString();
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 100)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)"\\=|\r\nab "[random.Next(8)];
        }

        return bytes;
    }
}
