using System.Data;
using System.Globalization;
using System.Text;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Syslog;

namespace Aeg.Tests.Annotations;

/// <summary>
/// Text from any column becomes what <see cref="Encoding.UTF8"/> makes of its bytes (invalid sequences as
/// U+FFFD), marked <see cref="RowChanges.InvalidText"/> exactly when there was an invalid sequence; other column
/// types become invariant text, never a .NET type name.
/// </summary>
public sealed class ColumnDecodingTests
{
    // Throws on the first invalid sequence: the independent judge of "valid UTF-8".
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly string[] Pieces = ["a", "|", "=", "\\", "\n", "é", "€", "日本", "😀", "\0"];

    [Fact]
    public void Decoding_random_bytes_equals_the_replacing_decoder_and_is_marked_invalid_iff_the_bytes_are()
    {
        var random = new Random(18);
        var invalidSeen = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = RandomBytes(random);
            var text = Utf8Text.Decode(bytes, out var invalid);

            Assert.Equal(Encoding.UTF8.GetString(bytes), text);
            Assert.Equal(!IsStrictUtf8(bytes), invalid);
            invalidSeen += invalid ? 1 : 0;
        }
        // Both outcomes are exercised, each many times.
        Assert.InRange(invalidSeen, 2_000, 18_000);
    }

    [Fact]
    public void Held_bytes_read_back_as_the_replacing_decoder_and_are_written_as_bytes_only_when_valid()
    {
        var random = new Random(1818);
        var held = new Utf8Text();
        for (var i = 0; i < 20_000; i++)
        {
            // The buffer is reused, as the batch reader reuses it from row to row: a verdict must not stick.
            var bytes = RandomBytes(random);
            bytes.CopyTo(held.Reserve(bytes.Length), 0);
            var valid = IsStrictUtf8(bytes);

            Assert.Equal(valid, held.HoldsValidUtf8());
            Assert.Equal(valid, held.TryGetUtf8(out var utf8));
            if (valid)
            {
                Assert.True(utf8.SequenceEqual(bytes));
            }
            Assert.Equal(Encoding.UTF8.GetString(bytes), held.Text);
        }
    }

    [Fact]
    public void Shortening_held_bytes_drops_the_tail_and_judges_the_rest_again()
    {
        var held = new Utf8Text();
        byte[] bytes = [(byte)'o', (byte)'k', 0xFF, 0, 0];
        bytes.CopyTo(held.Reserve(bytes.Length), 0);
        Assert.False(held.HoldsValidUtf8());

        held.Shorten(2);

        Assert.True(held.HoldsValidUtf8());
        Assert.Equal("ok", held.Text);
    }

    [Fact]
    public void A_comment_with_invalid_bytes_maps_to_the_same_event_as_its_replaced_text()
    {
        var mapper = new AnnotationMapper(RepoMappings.Load(), new SyslogOutputOptions(), "aeg01.example.com",
            () => new DateTimeOffset(2026, 12, 3, 4, 5, 6, TimeSpan.Zero));
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var bytes = RandomBytes(random);
            var fromBytes = new AnnotationRow { EventId = i, Version = 1, ModificationTimeMs = 1_795_000_000_000 };
            bytes.CopyTo(fromBytes.CurrentCommentValue.Reserve(bytes.Length), 0);
            var fromText = new AnnotationRow { EventId = i, Version = 1, ModificationTimeMs = 1_795_000_000_000, CurrentComment = Encoding.UTF8.GetString(bytes) };

            var expected = Encoding.UTF8.GetString(mapper.Map(fromText).Span);
            Assert.Equal(expected, Encoding.UTF8.GetString(mapper.Map(fromBytes).Span));
        }
    }

    [Fact]
    public void Numbers_and_dates_in_a_text_column_are_invariant_text_whatever_the_culture()
    {
        var culture = CultureInfo.CurrentCulture;
        // Aeg runs with invariant globalization, so a culture of its own is the only way to show a culture is not used.
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NegativeSign = "~";
        comma.DateTimeFormat.DateSeparator = ".";
        CultureInfo.CurrentCulture = comma;
        try
        {
            Assert.Equal("1234567.5", ColumnReader.Format(1234567.5m));
            Assert.Equal("0.25", ColumnReader.Format(0.25d));
            Assert.Equal("-7", ColumnReader.Format(-7L));
            Assert.Equal("18446744073709551615", ColumnReader.Format(ulong.MaxValue));
            Assert.Equal("2026-12-03 04:05:06", ColumnReader.Format(new DateTime(2026, 12, 3, 4, 5, 6)));
            Assert.Equal("2026-12-03 04:05:06.25", ColumnReader.Format(new DateTime(2026, 12, 3, 4, 5, 6, 250)));
            Assert.Equal("01:02:03", ColumnReader.Format(new TimeSpan(1, 2, 3)));
            Assert.Equal("é€", ColumnReader.Format(Encoding.UTF8.GetBytes("é€")));
            var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
            Assert.Equal("0f8fad5b-d9cb-469f-a165-70867728950e", ColumnReader.Format(guid));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Theory]
    [InlineData(12.0, 12L)]
    [InlineData(-3.0, -3L)]
    public void A_whole_double_is_an_integer(double value, long expected) => Assert.Equal(expected, ColumnReader.ConvertToInt64(value));

    [Fact]
    public void Only_whole_numbers_in_range_are_integers()
    {
        Assert.Equal(42L, ColumnReader.ConvertToInt64(42.000m));
        Assert.Equal(42L, ColumnReader.ConvertToInt64("42"));
        Assert.Equal(1L, ColumnReader.ConvertToInt64(true));
        Assert.Equal(long.MaxValue, ColumnReader.ConvertToInt64((ulong)long.MaxValue));
        Assert.Throws<ColumnValueException>(() => ColumnReader.ConvertToInt64(1.5m));
        Assert.Throws<ColumnValueException>(() => ColumnReader.ConvertToInt64(0.5d));
        Assert.Throws<ColumnValueException>(() => ColumnReader.ConvertToInt64(9.3e18d));
        Assert.Throws<ColumnValueException>(() => ColumnReader.ConvertToInt64("4x"));
        Assert.Throws<ColumnValueException>(() => ColumnReader.ConvertToInt64(Guid.Empty));
        Assert.Throws<OverflowException>(() => ColumnReader.ConvertToInt64(1e20m));
        Assert.Throws<OverflowException>(() => ColumnReader.ConvertToInt64((ulong)long.MaxValue + 1));
    }

    [Fact]
    public void A_binary_text_column_is_decoded_and_a_bad_value_faults_its_row_only()
    {
        using var table = Table();
        table.Rows.Add(Values(1, Encoding.UTF8.GetBytes("Grüße 😀"), 3L));
        table.Rows.Add(Values(2, new byte[] { (byte)'a', 0xC3, (byte)'b' }, 4L));
        table.Rows.Add(Values(3, Encoding.UTF8.GetBytes("third"), 12.5m));
        table.Rows.Add(Values(4, Encoding.UTF8.GetBytes("fourth"), 5L));
        using var reader = table.CreateDataReader();
        var columns = new ColumnReader(reader, new SourceOptions(), new bool?[AnnotationQuery.IdsPresent + 1]);
        var rows = new List<AnnotationRow>();
        var row = new AnnotationRow();
        while (reader.Read())
        {
            row.Changes = RowChanges.None;
            row.Fault = null;
            try
            {
                row.EventId = columns.Required(AnnotationQuery.EventId);
                row.Version = columns.Required(AnnotationQuery.Version);
                row.ModificationTimeMs = columns.Time(AnnotationQuery.ModificationTime) ?? 0;
                columns.Utf8(AnnotationQuery.CurrentComment, row, row.CurrentCommentValue);
                row.Flags = columns.Int64(AnnotationQuery.Flags);
            }
            catch (Exception ex)
            {
                columns.Fail(row, ex);
            }
            rows.Add(row.Copy());
        }

        // The fields read before the bad one are kept, the ones from it on are cleared.
        Assert.Equal(["Grüße 😀", "a\uFFFDb", "third", "fourth"], rows.Select(r => r.CurrentComment));
        Assert.Equal([RowChanges.None, RowChanges.InvalidText, RowChanges.None, RowChanges.None], rows.Select(r => r.Changes));
        Assert.Equal([3L, 4L, null, 5L], rows.Select(r => r.Flags));
        Assert.Equal([null, null, "column flags: Decimal value is not a whole number in the range of a 64-bit integer", null], rows.Select(r => r.Fault));
        Assert.Equal(3, rows[2].EventId);
        Assert.Equal(1_795_000_000_003, rows[2].ModificationTimeMs);
    }

    [Fact]
    public void An_unreadable_event_id_is_named_with_its_value_and_the_other_keys_are_read()
    {
        using var table = Table();
        table.Columns[AnnotationQuery.EventId].DataType = typeof(ulong);
        table.Rows.Add(Values(1, null, 0L));
        table.Rows[0][AnnotationQuery.EventId] = ulong.MaxValue;
        using var reader = table.CreateDataReader();
        var columns = new ColumnReader(reader, new SourceOptions(), new bool?[AnnotationQuery.IdsPresent + 1]);
        var row = new AnnotationRow { EventId = 77, Version = 9 };
        Assert.True(reader.Read());

        columns.Fail(row, Assert.ThrowsAny<Exception>(() => columns.Required(AnnotationQuery.EventId)));

        // The exception type is the provider's (MySqlConnector: OverflowException); the value is what matters.
        Assert.StartsWith("column event_id: ", row.Fault);
        Assert.EndsWith(", value 18446744073709551615", row.Fault);
        // The keys after it are still read: they position the row.
        Assert.Equal((0L, 1L, 1_795_000_000_001L), (row.EventId, row.Version, row.ModificationTimeMs));
    }

    [Fact]
    public void A_modification_time_of_the_wrong_kind_is_a_configuration_error_naming_the_column()
    {
        using var table = Table();
        table.Columns[AnnotationQuery.ModificationTime].DataType = typeof(DateTime);
        using var reader = table.CreateDataReader();

        var error = Assert.Throws<InvalidOperationException>(() => new ColumnReader(reader, new SourceOptions(), new bool?[AnnotationQuery.IdsPresent + 1]));

        Assert.Contains("modification_time", error.Message);
        Assert.Contains("EpochMs", error.Message);
    }

    private static DataTable Table()
    {
        var table = new DataTable();
        Type[] types = [typeof(long), typeof(long), typeof(long), typeof(string), typeof(string), typeof(string), typeof(string),
            typeof(long), typeof(byte[]), typeof(byte[]), typeof(object), typeof(long), typeof(long)];
        foreach (var type in types)
        {
            table.Columns.Add(new DataColumn { DataType = type, AllowDBNull = true });
        }
        return table;
    }

    private static object?[] Values(long id, byte[]? comment, object flags) =>
        [id, 1L, 1_795_000_000_000 + id, null, null, null, null, null, comment, null, flags, null, null];

    private static bool IsStrictUtf8(byte[] bytes)
    {
        try
        {
            Strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    // Mostly text (so that valid input is common), with random bytes, cut sequences and surrogates mixed in.
    private static byte[] RandomBytes(Random random)
    {
        var bytes = new List<byte>();
        var parts = random.Next(0, 12);
        for (var p = 0; p < parts; p++)
        {
            switch (random.Next(10))
            {
                case 0:
                    bytes.Add((byte)random.Next(256));
                    break;
                case 1:
                    // A multi-byte sequence cut short.
                    var piece = Encoding.UTF8.GetBytes(Pieces[random.Next(6, 9)]);
                    bytes.AddRange(piece.Take(random.Next(1, piece.Length)));
                    break;
                case 2:
                    // An encoded surrogate (ED A0 80-ED BF BF) or an overlong form: both invalid in UTF-8.
                    bytes.AddRange(random.Next(2) == 0 ? [0xED, (byte)random.Next(0xA0, 0xC0), 0x80] : [0xC0, 0xAF]);
                    break;
                default:
                    bytes.AddRange(Encoding.UTF8.GetBytes(Pieces[random.Next(Pieces.Length)]));
                    break;
            }
        }
        return [.. bytes];
    }
}
