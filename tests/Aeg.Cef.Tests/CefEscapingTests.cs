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
}
