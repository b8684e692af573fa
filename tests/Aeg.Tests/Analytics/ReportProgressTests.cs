using Aeg.Analytics;

namespace Aeg.Tests.Analytics;

/// <summary>The terminal line of <c>aeg report</c>: drawn at once, redrawn no more often than <see cref="ReportProgress.Every"/>, erased at the end.</summary>
public sealed class ReportProgressTests
{
    [Fact]
    public void The_line_starts_with_the_total_redraws_after_the_interval_and_is_erased()
    {
        var terminal = new StringWriter();
        var clock = new TimestampClock();
        var progress = new ReportProgress(terminal, total: 10_000, clock);
        Assert.Equal("\rReading the history: 0/10000 rows (0%)", terminal.ToString());

        for (var i = 0; i < 4096; i++)
        {
            progress.Row();
        }
        // Too soon: no redraw.
        Assert.Equal("\rReading the history: 0/10000 rows (0%)", terminal.ToString());
        clock.Advance(ReportProgress.Every);
        for (var i = 0; i < 4096; i++)
        {
            progress.Row();
        }
        Assert.EndsWith("\rReading the history: 8192/10000 rows (81%)", terminal.ToString());

        terminal.GetStringBuilder().Clear();
        progress.Finish();
        var blank = "Reading the history: 8192/10000 rows (81%)".Length;
        Assert.Equal("\r" + new string(' ', blank) + "\r", terminal.ToString());
    }
}
