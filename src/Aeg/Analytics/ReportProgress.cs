using System.Diagnostics;
using System.Globalization;

namespace Aeg.Analytics;

/// <summary>
/// One self-overwriting line on a terminal while <c>aeg report</c> reads a history:
/// <c>Reading the history: 120000/500000 rows (24%)</c>, at most every <see cref="Every"/>, erased when done.
/// </summary>
/// <remarks>Only for a terminal: a redirected stderr (a log file, a pipe to a script) must not fill with carriage returns.</remarks>
public sealed class ReportProgress
{
    /// <summary>How often the line is redrawn.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);

    // Checking the clock per row would cost more than reading the row.
    private const int RowsBetweenClockChecks = 4096;

    private readonly TextWriter _terminal;
    private readonly long _total;
    private readonly TimeProvider _time;
    private long _done;
    private long _nextDraw;
    private int _lineLength;

    /// <summary>Draws the first line at once, with the total counted beforehand.</summary>
    public ReportProgress(TextWriter terminal, long total, TimeProvider? time = null)
    {
        _terminal = terminal;
        _total = total;
        _time = time ?? TimeProvider.System;
        Draw();
    }

    /// <summary>Rows read so far.</summary>
    public long Done => _done;

    /// <summary>Call per row read; redraws when <see cref="Every"/> has passed.</summary>
    public void Row()
    {
        if (++_done % RowsBetweenClockChecks == 0 && _time.GetTimestamp() >= _nextDraw)
        {
            Draw();
        }
    }

    /// <summary>Call per group of <paramref name="count"/> rows read at once (an SQL aggregate).</summary>
    public void Rows(long count)
    {
        _done += count;
        if (_time.GetTimestamp() >= _nextDraw)
        {
            Draw();
        }
    }

    /// <summary>Erases the line, so the report starts on a clean one.</summary>
    public void Finish()
    {
        _terminal.Write("\r" + new string(' ', _lineLength) + "\r");
        _terminal.Flush();
    }

    private void Draw()
    {
        var percent = _total > 0 ? Math.Min(100, 100 * _done / _total) : 100;
        var line = string.Create(CultureInfo.InvariantCulture, $"Reading the history: {_done}/{_total} rows ({percent}%)");
        _terminal.Write("\r" + line.PadRight(_lineLength));
        _terminal.Flush();
        _lineLength = line.Length;
        _nextDraw = _time.GetTimestamp() + (long)(Every.TotalSeconds * _time.TimestampFrequency);
    }
}
