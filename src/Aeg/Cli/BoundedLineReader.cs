namespace Aeg.Cli;

/// <summary>What <see cref="BoundedLineReader.ReadLine"/> found.</summary>
internal enum LineStatus
{
    Line,
    /// <summary>A line longer than the limit; its bytes were skipped up to and including its LF.</summary>
    TooLong,
    End,
}

/// <summary>
/// Splits a stream into lines (LF or CRLF) inside one buffer that never grows beyond the line limit,
/// so input of any size passes through in constant memory and no string is made per line.
/// </summary>
internal sealed class BoundedLineReader
{
    private const byte Lf = (byte)'\n';
    private const byte Cr = (byte)'\r';

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private readonly Action? _beforeRead;
    private byte[] _buffer;
    private int _start;
    private int _scanned;
    private int _end;
    private bool _endOfStream;
    // Inside a line already reported as too long: drop bytes until its LF.
    private bool _skipping;

    // beforeRead runs before each read of the stream, which may block (a pipe not closed yet):
    // the place to flush output so a follower sees every line so far.
    public BoundedLineReader(Stream stream, int maxLineBytes, int initialBufferBytes = 64 * 1024, Action? beforeRead = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialBufferBytes, 1);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _beforeRead = beforeRead;
        _buffer = new byte[Math.Min(initialBufferBytes, MaxBufferBytes)];
    }

    // A line at the limit plus its CR and LF must fit.
    private int MaxBufferBytes => _maxLineBytes + 2;

    /// <summary>The next line without its CR/LF; the span is valid until the next call.</summary>
    public LineStatus ReadLine(out ReadOnlySpan<byte> line)
    {
        line = default;
        while (true)
        {
            var lf = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf(Lf);
            if (lf >= 0)
            {
                var lineEnd = _scanned + lf;
                ReadOnlySpan<byte> found = _buffer.AsSpan(_start, lineEnd - _start);
                _start = _scanned = lineEnd + 1;
                if (_skipping)
                {
                    _skipping = false;
                    continue;
                }

                found = TrimCr(found);
                if (found.Length > _maxLineBytes)
                {
                    return LineStatus.TooLong;
                }

                line = found;
                return LineStatus.Line;
            }

            _scanned = _end;
            if (_skipping)
            {
                _start = _scanned = _end = 0;
            }
            else if (_end - _start > _maxLineBytes + 1)
            {
                // Even if the last byte is the CR of a CRLF, the line is over the limit.
                _skipping = true;
                _start = _scanned = _end = 0;
                return LineStatus.TooLong;
            }

            if (_endOfStream)
            {
                if (_end > _start)
                {
                    // A last line without LF.
                    line = TrimCr(_buffer.AsSpan(_start, _end - _start));
                    _start = _scanned = _end;
                    return LineStatus.Line;
                }

                return LineStatus.End;
            }

            Fill();
        }
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == Cr ? line[..^1] : line;

    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _scanned -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            var grown = new byte[(int)Math.Min((long)_buffer.Length * 2, MaxBufferBytes)];
            _buffer.AsSpan(0, _end).CopyTo(grown);
            _buffer = grown;
        }

        _beforeRead?.Invoke();
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfStream = true;
        }

        _end += read;
    }
}
