using System.Buffers;
using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>Property: for any header and extension, CefReader(CefWriter(x)) gives x back.</summary>
public sealed class RoundTripPropertyTests
{
    // Pieces chosen to hit every escape and separator rule, plus multi-byte UTF-8.
    private static readonly string[] ValuePieces =
        ["a", "b", "Z", "0", "9", " ", "  ", "\\", "\\\\", "=", "==", "|", "\n", "\r", "\r\n", "\t", "é", "日本", "☕", "𝄞",
         "k=v", " x=y", "\\=", "\\n", "cs1=", "\"", "<", ">", ".", "[0]", "CEF:0|", "\u00a0"];

    private static readonly string[] SeverityValues = ["0", "1", "5", "10", "Unknown", "Low", "Medium", "High", "Very-High"];

    private static readonly Gen<string> Value =
        Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements(ValuePieces), n)).Select(p => string.Concat(p));

    // Header fields may not carry line breaks (the writer turns them into spaces), and five
    // pieces stay under the shortest header limit (31): truncation is tested apart.
    private static readonly Gen<string> HeaderValue =
        Gen.Choose(0, 5).SelectMany(n => Gen.ArrayOf(Gen.Elements(ValuePieces), n))
            .Select(p => string.Concat(p).Replace("\r", "").Replace("\n", ""));

    private static readonly Gen<string> Key =
        Gen.OneOf(
            Gen.Elements("cs1", "cs2", "cn1", "src", "dst", "msg", "duser", "deviceCustomDate1", "cs1Label", "ad.field[0]", "ad.x,y", "ad.my_key"),
            Gen.Choose(1, 10).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcxyzABC019_.,[]".ToCharArray()), n)).Select(c => new string(c)));

    private static readonly Gen<Message> Messages =
        from header in Gen.ArrayOf(HeaderValue, 5)
        from severity in Gen.Elements(SeverityValues)
        from version in Gen.Choose(0, 1)
        from count in Gen.Choose(0, 8)
        from keys in Gen.ArrayOf(Key, count)
        from values in Gen.ArrayOf(Value, count)
        from prefix in Gen.Choose(0, 2)
        from priority in Gen.Choose(0, 191)
        select new Message(version, [.. header, severity], keys.Zip(values, (k, v) => new[] { k, v }).ToArray(), (SyslogFormat)prefix, priority);

    [Fact]
    public void Reader_reads_back_what_writer_wrote()
    {
        var property = Prop.ForAll(Messages.ToArbitrary(), message =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            var writer = new CefWriter(buffer);
            var at = new DateTimeOffset(2026, 11, 2, 3, 4, 5, 678, TimeSpan.Zero);
            if (message.Prefix == SyslogFormat.Rfc3164)
            {
                writer.WriteSyslogRfc3164(message.Priority, at, "aeg.example.com", "aeg");
            }
            else if (message.Prefix == SyslogFormat.Rfc5424)
            {
                writer.WriteSyslogRfc5424(message.Priority, at, "aeg.example.com", "aeg", "42", "ANN");
            }

            var h = message.Header;
            writer.WriteHeader(h[0], h[1], h[2], h[3], h[4], h[5], message.Version);
            foreach (var pair in message.Extensions)
            {
                writer.WriteExtension(pair[0], pair[1]);
            }

            var parsed = ParsedMessage.Parse(buffer.WrittenSpan);
            var expected = message.ExpectedExtensions();
            var ok = parsed.Error == CefError.None
                && parsed.SyslogFormat == message.Prefix
                && parsed.SyslogPriority == (message.Prefix == SyslogFormat.None ? -1 : message.Priority)
                && (message.Prefix == SyslogFormat.None || parsed.SyslogHost == "aeg.example.com")
                && parsed.Version == message.Version
                && parsed.Header.SequenceEqual(h)
                && parsed.Extensions.Length == expected.Length
                && parsed.Extensions.Zip(expected).All(p => p.First.SequenceEqual(p.Second));
            return ok.Label(Show($"wire: {Encoding.UTF8.GetString(buffer.WrittenSpan)}\nmessage: {message}\nparsed: {string.Join(" ", parsed.Extensions.Select(p => $"{p[0]}=«{p[1]}»"))} err={parsed.Error}"));
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000), property);
    }

    [Fact]
    public void Writer_utf8_overload_matches_char_overload()
    {
        var property = Prop.ForAll(Key.ToArbitrary(), Value.ToArbitrary(), (key, value) =>
        {
            var a = new ArrayBufferWriter<byte>();
            var b = new ArrayBufferWriter<byte>();
            Write(new CefWriter(a), key, value, utf8: false);
            Write(new CefWriter(b), key, value, utf8: true);
            return a.WrittenSpan.SequenceEqual(b.WrittenSpan);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);

        static void Write(CefWriter writer, string key, string value, bool utf8)
        {
            writer.WriteHeader("V", "P", "1", "1", "N", "3");
            if (utf8)
            {
                writer.WriteExtension(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
            }
            else
            {
                writer.WriteExtension(key, value);
            }
        }
    }

    private static string Show(string s) => s.Replace("\r", "<CR>").Replace("\n", "<LF>").Replace("\t", "<TAB>");

    private sealed record Message(int Version, string[] Header, string[][] Extensions, SyslogFormat Prefix, int Priority)
    {
        // CEF cannot carry trailing blanks of the last value: the spec drops them on input.
        public string[][] ExpectedExtensions()
        {
            if (Extensions.Length == 0)
            {
                return Extensions;
            }

            var copy = Extensions.Select(p => p.ToArray()).ToArray();
            copy[^1][1] = copy[^1][1].TrimEnd(' ');
            return copy;
        }

        public override string ToString()
            => $"v{Version} {Prefix} <{Priority}> [{string.Join(" | ", Header)}] {string.Join(" ", Extensions.Select(p => $"{p[0]}=«{p[1]}»"))}";
    }
}
