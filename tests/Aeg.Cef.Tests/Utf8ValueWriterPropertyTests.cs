using System.Buffers;
using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>
/// <c>WriteExtension(key, utf8)</c> (the annotation drain writes comments and audit trails from the
/// database's bytes) must write exactly what <c>WriteExtension(key, string)</c> writes for the decoded text.
/// </summary>
public sealed class Utf8ValueWriterPropertyTests
{
    // Specials, ASCII, 2-, 3- and 4-byte characters; long runs cross the keys' limits (cs2 1023, duser 1023, cs1 4000).
    private static readonly string[] Pieces = ["\\", "=", "\r", "\n", "|", "a", "Z", " ", "é", "ж", "€", "中", "𝄞", "😀", "\t"];

    [Fact]
    public void Utf8_and_string_values_write_the_same_bytes_and_truncation_counts_for_random_text()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var keys = new[] { "cs1", "cs2", "duser", "msg", "cs5Label", "ad.comment" }.Select(k => (k, CefPreparedKey.Create(k))).ToArray();
        for (var i = 0; i < 5_000; i++)
        {
            var value = RandomText(random, random.Next(0, 6) == 0 ? random.Next(900, 4200) : random.Next(0, 80));
            var (name, key) = keys[random.Next(keys.Length)];
            var (fromString, stringCut) = Write(w => w.WriteExtension(key, value));
            var (fromUtf8, utf8Cut) = Write(w => w.WriteExtension(key, Encoding.UTF8.GetBytes(value)));
            Assert.True(fromString.AsSpan().SequenceEqual(fromUtf8),
                $"seed {seed}, key {name}, value of {value.Length} chars: {Encoding.UTF8.GetString(fromString)} vs {Encoding.UTF8.GetString(fromUtf8)}");
            Assert.Equal(stringCut, utf8Cut);
        }
    }

    [Fact]
    public void A_utf8_value_longer_than_the_single_span_limit_is_escaped_whole()
    {
        var value = string.Concat(Enumerable.Repeat("x=y\\z\n€", 12_000));
        var key = CefPreparedKey.Create("ad.big");
        var (fromString, _) = Write(w => w.WriteExtension(key, value));
        var (fromUtf8, _) = Write(w => w.WriteExtension(key, Encoding.UTF8.GetBytes(value)));
        Assert.Equal(Encoding.UTF8.GetString(fromString), Encoding.UTF8.GetString(fromUtf8));
        Assert.Contains("x\\=y\\\\z\\n€", Encoding.UTF8.GetString(fromUtf8));
    }

    private static string RandomText(Random random, int pieces)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pieces; i++)
        {
            sb.Append(Pieces[random.Next(Pieces.Length)]);
        }
        return sb.ToString();
    }

    private static (byte[] Bytes, int Truncated) Write(Action<CefWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new CefWriter(buffer);
        writer.WriteHeader(CefPreparedHeader.Create("V", "P", "1", "1", "N"), "Low");
        writer.WriteExtension(CefPreparedKey.Create("cn2"), 7);
        write(writer);
        return (buffer.WrittenSpan.ToArray(), writer.TruncatedFields);
    }
}
