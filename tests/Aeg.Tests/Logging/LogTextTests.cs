using Aeg.Logging;
using Aeg.State;

namespace Aeg.Tests.Logging;

public sealed class LogTextTests
{
    [Theory]
    [InlineData(0, "0ms")]
    [InlineData(659.9751, "659ms")]
    [InlineData(1_240, "1.2s")]
    [InlineData(45_000, "45s")]
    [InlineData(300_000, "5m")]
    [InlineData(150_000, "2m 30s")]
    [InlineData(3_900_000, "1h 5m")]
    [InlineData(183_600_000, "2d 3h")]
    public void Durations_read_as_aeg_yaml_writes_them(double ms, string text) =>
        Assert.Equal(text, LogText.Duration(TimeSpan.FromMilliseconds(ms)));

    [Theory]
    [InlineData(1_796_460_747_607, "2026-12-05T08:52:27.607Z")]
    [InlineData(0, "1970-01-01T00:00:00.000Z")]
    [InlineData(253_402_300_800_000, "253402300800000 ms since 1970 (no date)")]
    public void Times_are_iso_8601_utc_with_milliseconds(long ms, string text) => Assert.Equal(text, LogText.Time(ms));

    [Fact]
    public void A_cursor_reads_as_a_time_and_an_event_never_as_a_record_or_an_extreme_of_long()
    {
        Assert.Equal("2026-12-05T08:52:27.607Z / event 1002", new AnnotationCursor(1_796_460_747_607, 1002).ToString());
        Assert.Equal("before 2026-12-05T08:52:27.607Z", AnnotationCursor.Before(DateTimeOffset.FromUnixTimeMilliseconds(1_796_460_747_607)).ToString());
        Assert.Equal("the beginning", AnnotationCursor.Beginning.ToString());
        foreach (var text in new[] { new AnnotationCursor(5, 7).ToString(), AnnotationCursor.Beginning.ToString() })
        {
            Assert.DoesNotContain("{", text);
            Assert.DoesNotContain(long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), text);
            Assert.DoesNotContain(long.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture), text);
        }
    }
}
