using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>
/// The RFC 5424 header is split either from one 64-byte space mask or token by token (fewer than
/// 64 bytes left, or a space beyond them); random headers of every length must read the same
/// TIMESTAMP, HOSTNAME and CEF message both ways.
/// </summary>
public sealed class Rfc5424PrefixPropertyTests
{
    [Fact]
    public void Random_headers_give_their_timestamp_host_and_message()
    {
        var random = new Random(5424);
        for (var round = 0; round < 20_000; round++)
        {
            var version = random.Next(3) == 0 ? random.Next(10, 100) : random.Next(1, 10);
            var tokens = new string[5];
            for (var t = 0; t < tokens.Length; t++)
            {
                // Nil values and token lengths that put the sixth space before, at and after byte 64.
                tokens[t] = random.Next(4) == 0 ? "-" : Token(random, random.Next(1, 30));
            }

            var sd = random.Next(3) switch
            {
                0 => "-",
                1 => "[ex@32473 k=\"a b\\\"]c\"]",
                _ => "[a x=\"1\"][b y=\"2 3\"]",
            };
            var tail = random.Next(2) == 0 ? "" : " k2=" + new string('v', random.Next(0, 120));
            var line = $"<134>{version} {string.Join(' ', tokens)} {sd} CEF:0|Vendor|Product|1.0|100|Name|5|k=v{tail}";
            var bytes = Encoding.UTF8.GetBytes(line);

            var reader = new CefReader(bytes);
            Assert.True(reader.IsValid, $"{line}: {reader.Error} at {reader.ErrorPosition}");
            Assert.Equal(SyslogFormat.Rfc5424, reader.SyslogFormat);
            Assert.Equal(134, reader.SyslogPriority);
            Assert.Equal(tokens[0] == "-" ? "" : tokens[0], Encoding.UTF8.GetString(reader.SyslogTimestamp));
            Assert.Equal(tokens[1] == "-" ? "" : tokens[1], Encoding.UTF8.GetString(reader.SyslogHost));
            Assert.Equal("Vendor", Encoding.UTF8.GetString(reader.GetHeaderRaw(CefHeaderField.DeviceVendor)));
            Assert.True(reader.ReadNextExtension());
            Assert.Equal("k", Encoding.UTF8.GetString(reader.Key));
            Assert.Equal("v", Encoding.UTF8.GetString(reader.RawValue));
        }
    }

    // PRINTUSASCII as RFC 5424 allows in its header tokens: no space.
    private static string Token(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(33, 127);
        }

        // A lone "-" is the nil value; a generated one-character token must not be mistaken for it.
        return length == 1 && chars[0] == '-' ? "x" : new string(chars);
    }
}
