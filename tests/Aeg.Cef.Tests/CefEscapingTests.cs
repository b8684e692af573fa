using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

public sealed class CefEscapingTests
{
    [Theory]
    [InlineData(@"a\=b\\c\nd\re\|f", "a=b\\c\nd\re|f")]
    [InlineData(@"trailing\", "trailing\\")]
    [InlineData(@"C:\Windows\x", "C:\\Windows\\x")]
    public void Unescapes_extension_values_short_and_long(string raw, string expected)
    {
        foreach (var repeat in new[] { 1, 20 })
        {
            var input = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(raw, repeat)));
            var want = string.Concat(Enumerable.Repeat(expected, repeat));
            var destination = new byte[input.Length];
            Assert.True(CefEscaping.TryUnescapeExtensionValue(input, destination, out var written));
            Assert.Equal(want, Encoding.UTF8.GetString(destination, 0, written));
            Assert.Equal(written, CefEscaping.UnescapedLength(input, header: false));
        }
    }

    [Fact]
    public void Header_unescaping_leaves_extension_escapes_alone()
    {
        var destination = new byte[32];
        Assert.True(CefEscaping.TryUnescapeHeader(@"a\|b\\c\=d\n"u8, destination, out var written));
        Assert.Equal(@"a|b\c\=d\n", Encoding.UTF8.GetString(destination, 0, written));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(100)]
    public void Too_small_destination_fails_cleanly(int length)
    {
        var raw = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(@"x\=", length)));
        var destination = new byte[(length * 2) - 1];
        Assert.False(CefEscaping.TryUnescapeExtensionValue(raw, destination, out var written));
        Assert.Equal(0, written);
    }

    // The scalar references are what every other path is held to, so they are held to the rules here.
    [Theory]
    [InlineData(@"a\=b\\c\nd\re\|f\x\", false, "a=b\\c\nd\re|f\\x\\")]
    [InlineData(@"a\|b\\c\=d\n\", true, "a|b\\c\\=d\\n\\")]
    [InlineData(@"\\\", false, "\\\\")]
    [InlineData("", false, "")]
    public void The_scalar_unescape_reference_follows_the_rules(string raw, bool header, string expected)
    {
        var destination = new byte[raw.Length];
        Assert.True(CefEscaping.TryUnescapeScalar(Encoding.UTF8.GetBytes(raw), destination, header, out var written));
        Assert.Equal(expected, Encoding.UTF8.GetString(destination, 0, written));
        Assert.False(raw.Length > 0 && CefEscaping.TryUnescapeScalar(Encoding.UTF8.GetBytes(raw), new byte[written - 1], header, out _));
    }

    [Theory]
    [InlineData("a=b\\c\nd\re|f", false, @"a\=b\\c\nd\re|f")]
    [InlineData("a=b\\c\nd\re|f", true, @"a=b\\c d e\|f")]
    [InlineData("", true, "")]
    public void The_scalar_escape_reference_follows_the_rules(string text, bool header, string expected)
    {
        var destination = new byte[2 * text.Length];
        var written = CefEscaping.EscapeScalar(Encoding.UTF8.GetBytes(text), destination, header);
        Assert.Equal(expected, Encoding.UTF8.GetString(destination, 0, written));
    }
}
