using System.Buffers;
using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

public sealed class CefWriterTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 2, 3, 4, 5, 678, TimeSpan.Zero);

    private static string Write(Action<CefWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new CefWriter(buffer));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Writes_header_and_extension_with_spec_escapes()
    {
        var text = Write(w =>
        {
            w.WriteHeader("sec|urity", "threat\\manager", "1.0", "100", "a = b", "10");
            w.WriteExtension("act", "blocked a = and \\ and |");
            w.WriteExtension("msg", "line1\nline2\r");
            w.WriteExtension("cn1", 42);
        });

        Assert.Equal("CEF:0|sec\\|urity|threat\\\\manager|1.0|100|a = b|10|act=blocked a \\= and \\\\ and | msg=line1\\nline2\\r cn1=42", text);
    }

    [Fact]
    public void Header_line_breaks_become_spaces()
    {
        var text = Write(w => w.WriteHeader("V", "P", "1", "1", "two\r\nlines", "Low"));
        Assert.Equal("CEF:0|V|P|1|1|two  lines|Low|", text);
    }

    [Fact]
    public void Date_extension_is_epoch_milliseconds()
    {
        var text = Write(w =>
        {
            w.WriteHeader("V", "P", "1", "1", "N", "1");
            w.WriteExtension("deviceCustomDate1", At);
        });

        Assert.EndsWith("deviceCustomDate1=" + At.ToUnixTimeMilliseconds(), text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad key")]
    [InlineData("k=v")]
    [InlineData("ключ")]
    [InlineData("a\\b")]
    public void Refuses_invalid_keys(string key)
    {
        var writer = new CefWriter(new ArrayBufferWriter<byte>());
        writer.WriteHeader("V", "P", "1", "1", "N", "1");
        var error = Assert.Throws<ArgumentException>(() => writer.WriteExtension(key, "x"));
        Assert.Contains("not a valid CEF extension key", error.Message);
        Assert.Throws<ArgumentException>(() => writer.WriteExtension(Encoding.UTF8.GetBytes(key), "x"u8));
    }

    [Theory]
    [InlineData("11")]
    [InlineData("-1")]
    [InlineData("01")]
    [InlineData("high")]
    [InlineData("")]
    public void Refuses_invalid_severity(string severity)
    {
        var writer = new CefWriter(new ArrayBufferWriter<byte>());
        Assert.Throws<ArgumentException>(() => writer.WriteHeader("V", "P", "1", "1", "N", severity));
    }

    [Fact]
    public void Extension_before_header_is_refused()
    {
        var writer = new CefWriter(new ArrayBufferWriter<byte>());
        Assert.Throws<InvalidOperationException>(() => writer.WriteExtension("a", "b"));
    }

    [Fact]
    public void Truncates_cs1_to_4000_chars_without_splitting_a_surrogate_pair()
    {
        // 3999 ASCII chars then a surrogate pair: keeping the pair would make 4001 units.
        var value = new string('x', 3999) + "𝄞" + "tail";
        var writer = new CefWriter(new ArrayBufferWriter<byte>());
        var buffer = new ArrayBufferWriter<byte>();
        writer.Reset(buffer);
        writer.WriteHeader("V", "P", "1", "1", "N", "1");
        writer.WriteExtension("cs1", value);
        Assert.Equal(1, writer.TruncatedFields);

        var reader = new CefReader(buffer.WrittenSpan);
        Assert.True(reader.ReadNextExtension());
        Assert.Equal(new string('x', 3999), reader.GetValueString());
    }

    [Fact]
    public void Utf8_truncation_never_splits_a_multibyte_sequence()
    {
        // "é" is 2 bytes, 1 UTF-16 unit: 1023 of them fit duser's limit exactly, the 1024th does not.
        var value = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("é", 1030)));
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new CefWriter(buffer);
        writer.WriteHeader("V", "P", "1", "1", "N", "1");
        writer.WriteExtension("duser"u8, value);
        Assert.Equal(1, writer.TruncatedFields);

        var reader = new CefReader(buffer.WrittenSpan);
        Assert.True(reader.ReadNextExtension());
        Assert.Equal(string.Concat(Enumerable.Repeat("é", 1023)), reader.GetValueString());
        Assert.True(Encoding.UTF8.GetString(reader.RawValue).Length == 1023);
    }

    [Fact]
    public void Header_fields_are_cut_to_their_limits()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new CefWriter(buffer);
        writer.WriteHeader(new string('v', 100), "P", new string('9', 40), "1", new string('n', 600), "1");
        Assert.Equal(3, writer.TruncatedFields);
        var reader = new CefReader(buffer.WrittenSpan);
        Assert.Equal(63, reader.GetHeaderRaw(CefHeaderField.DeviceVendor).Length);
        Assert.Equal(31, reader.GetHeaderRaw(CefHeaderField.DeviceVersion).Length);
        Assert.Equal(512, reader.GetHeaderRaw(CefHeaderField.Name).Length);

        writer.Reset();
        Assert.Equal(0, writer.TruncatedFields);
    }

    [Fact]
    public void Values_within_limits_are_not_counted_as_truncated()
    {
        var writer = new CefWriter(new ArrayBufferWriter<byte>());
        writer.WriteHeader("V", "P", "1", "1", "N", "1");
        writer.WriteExtension("cs1", new string('x', 4000));
        writer.WriteExtension("cs1Label", new string('y', 1023));
        writer.WriteExtension("externalId", new string('z', 40));
        Assert.Equal(0, writer.TruncatedFields);
        writer.WriteExtension("externalId", new string('z', 41));
        Assert.Equal(1, writer.TruncatedFields);
    }

    [Fact]
    public void Rfc3164_prefix_pads_the_day_with_a_space()
    {
        var text = Write(w =>
        {
            w.WriteSyslogRfc3164(134, At, "aeg01.example.com", "aeg");
            w.WriteHeader("HP", "AEG", "1.0", "1", "Annotation Event", "3");
        });

        Assert.Equal("<134>Nov  2 03:04:05 aeg01.example.com aeg: CEF:0|HP|AEG|1.0|1|Annotation Event|3|", text);
    }

    [Fact]
    public void Rfc5424_prefix_has_milliseconds_and_offset()
    {
        var text = Write(w =>
        {
            w.WriteSyslogRfc5424(165, At.ToOffset(TimeSpan.FromHours(-5)), "aeg01", "aeg", "", "ANN");
            w.WriteHeader("HP", "AEG", "1.0", "1", "Annotation Event", "3");
        });

        Assert.Equal("<165>1 2026-11-01T22:04:05.678-05:00 aeg01 aeg - ANN - CEF:0|HP|AEG|1.0|1|Annotation Event|3|", text);
    }

    [Fact]
    public void Syslog_prefixes_parse_back_with_CefReader()
    {
        foreach (var rfc5424 in new[] { false, true })
        {
            var buffer = new ArrayBufferWriter<byte>();
            var writer = new CefWriter(buffer);
            if (rfc5424)
            {
                writer.WriteSyslogRfc5424(14, At, "host-a", "aeg");
            }
            else
            {
                writer.WriteSyslogRfc3164(14, At, "host-a", "aeg");
            }

            writer.WriteHeader("HP", "AEG", "1.0", "1", "N", "3");
            var reader = new CefReader(buffer.WrittenSpan);
            Assert.Equal(CefError.None, reader.Error);
            Assert.Equal(rfc5424 ? SyslogFormat.Rfc5424 : SyslogFormat.Rfc3164, reader.SyslogFormat);
            Assert.Equal(14, reader.SyslogPriority);
            Assert.Equal(1, reader.SyslogFacility);
            Assert.Equal(6, reader.SyslogSeverity);
            Assert.Equal("host-a", Encoding.ASCII.GetString(reader.SyslogHost));
            Assert.Equal(rfc5424 ? "2026-11-02T03:04:05.678Z" : "Nov  2 03:04:05", Encoding.ASCII.GetString(reader.SyslogTimestamp));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(192)]
    public void Refuses_priority_out_of_range(int priority)
    {
        var writer = new CefWriter(new ArrayBufferWriter<byte>());
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteSyslogRfc3164(priority, At, "h"));
    }

    [Fact]
    public void Refuses_host_with_spaces()
    {
        var writer = new CefWriter(new ArrayBufferWriter<byte>());
        Assert.Throws<ArgumentException>(() => writer.WriteSyslogRfc3164(13, At, "my host"));
    }

    public static TheoryData<string> PreparedValues() =>
    [
        "",
        "plain",
        "a = b \\ c\nd\re",
        "=",
        "\\\n\r=",
        "ünïcødé 日本 𝄞 emoji 😀 and = then \n",
        "lone high \ud800 then = and low \udc00 end",
        "trailing high \ud83d",
        new string('x', 3999) + "𝄞" + "tail",
        new string('é', 1030),
        string.Concat(Enumerable.Repeat("1,1539102087491,root,Queued,,,,\r\n", 200)),
        new string('=', 70_000),
    ];

    [Theory]
    [MemberData(nameof(PreparedValues))]
    public void Prepared_keys_and_pairs_write_the_same_bytes_and_counts(string value)
    {
        foreach (var key in new[] { "cs1", "duser", "act", "cs1Label", "ad.x[0]", "cn1" })
        {
            var plain = new ArrayBufferWriter<byte>();
            var expected = new CefWriter(plain);
            expected.WriteHeader("V|x", "P", "1", "1", "N\n", "Low");
            expected.WriteExtension(key, value);
            expected.WriteExtension("cn2", 42);
            expected.WriteExtension(key, value);
            expected.WriteExtension("cn2", long.MinValue);

            var prepared = new ArrayBufferWriter<byte>();
            var actual = new CefWriter(prepared);
            var k = CefPreparedKey.Create(key);
            var cn2 = CefPreparedKey.Create("cn2");
            actual.WriteHeader(CefPreparedHeader.Create("V|x", "P", "1", "1", "N\n"), "Low");
            actual.WriteExtension(k, value);
            actual.WriteExtension(cn2, 42);
            actual.WriteExtension(CefPreparedPair.Create(k, value));
            actual.WriteExtension(cn2, long.MinValue);

            Assert.Equal(plain.WrittenSpan.ToArray(), prepared.WrittenSpan.ToArray());
            Assert.Equal(expected.TruncatedFields, actual.TruncatedFields);
            if (CefLimits.MaxValueLength(key) == int.MaxValue)
            {
                // Independent of the writer: escape as text, then encode (a lone surrogate becomes U+FFFD).
                var escaped = value.Replace("\\", "\\\\").Replace("=", "\\=").Replace("\r", "\\r").Replace("\n", "\\n");
                var pair = Encoding.UTF8.GetBytes($"|Low|{key}={escaped} cn2=42");
                Assert.True(prepared.WrittenSpan.IndexOf(pair) > 0, key);
            }
        }
    }

    [Fact]
    public void A_prepared_pair_as_first_extension_has_no_leading_space()
    {
        var text = Write(w =>
        {
            w.WriteHeader(CefPreparedHeader.Create("V", "P", "1", "1", "N"), "3");
            w.WriteExtension(CefPreparedPair.Create("cs1Label", "a=b"));
            w.WriteExtension(CefPreparedKey.Create("cs1"), "x");
        });
        Assert.Equal("CEF:0|V|P|1|1|N|3|cs1Label=a\\=b cs1=x", text);
    }

    [Fact]
    public void A_prepared_header_counts_its_cut_fields_in_every_message()
    {
        var header = CefPreparedHeader.Create(new string('v', 100), "P", new string('9', 40), "1", new string('n', 600));
        var plain = new ArrayBufferWriter<byte>();
        var expected = new CefWriter(plain);
        expected.WriteHeader(new string('v', 100), "P", new string('9', 40), "1", new string('n', 600), "Very-High");
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new CefWriter(buffer);
        for (var i = 0; i < 2; i++)
        {
            buffer.ResetWrittenCount();
            writer.Reset();
            writer.WriteHeader(header, "Very-High");
            Assert.Equal(3, writer.TruncatedFields);
            Assert.Equal(plain.WrittenSpan.ToArray(), buffer.WrittenSpan.ToArray());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad key")]
    [InlineData("ключ")]
    public void Refuses_invalid_prepared_keys(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => CefPreparedKey.Create(key));
        Assert.Contains("not a valid CEF extension key", error.Message);
        Assert.Throws<ArgumentException>(() => CefPreparedPair.Create(key, "x"));
    }

    [Fact]
    public void A_prepared_header_still_refuses_an_invalid_severity_and_a_second_header()
    {
        var header = CefPreparedHeader.Create("V", "P", "1", "1", "N");
        var writer = new CefWriter(new ArrayBufferWriter<byte>());
        Assert.Throws<ArgumentException>(() => writer.WriteHeader(header, "11"));
        writer.WriteHeader(header, "10");
        Assert.Throws<InvalidOperationException>(() => writer.WriteHeader(header, "10"));
        Assert.Throws<InvalidOperationException>(() => new CefWriter(new ArrayBufferWriter<byte>()).WriteExtension(CefPreparedKey.Create("a"), 1));
    }

    [Fact]
    public void Writes_the_same_through_any_buffer_writer()
    {
        var array = new ArrayBufferWriter<byte>();
        var other = new TinyBufferWriter();
        foreach (var output in new IBufferWriter<byte>[] { array, other })
        {
            var w = new CefWriter(output);
            w.WriteSyslogRfc3164(13, At, "h", "aeg");
            w.WriteHeader(CefPreparedHeader.Create("V", "P", "1", "1", "N"), "3");
            w.WriteExtension(CefPreparedKey.Create("cs2"), "ü = \n");
            w.WriteExtension("msg", "x=y");
        }

        Assert.Equal(array.WrittenSpan.ToArray(), other.Written.ToArray());
    }

    // Hands out spans exactly as large as asked, so a writer that over-runs its span fails here.
    private sealed class TinyBufferWriter : IBufferWriter<byte>
    {
        private byte[] _data = new byte[16];
        private int _count;
        private int _lastHint;

        public ReadOnlySpan<byte> Written => _data.AsSpan(0, _count);

        public void Advance(int count)
        {
            Assert.InRange(count, 0, _lastHint);
            _count += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new NotSupportedException();

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            _lastHint = Math.Max(sizeHint, 1);
            if (_data.Length < _count + _lastHint)
            {
                Array.Resize(ref _data, (_count + _lastHint) * 2);
            }

            return _data.AsSpan(_count, _lastHint);
        }
    }
}
