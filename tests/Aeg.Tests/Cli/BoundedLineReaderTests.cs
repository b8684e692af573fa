using System.Text;
using Aeg.Cli;

namespace Aeg.Tests.Cli;

public class BoundedLineReaderTests
{
    [Fact]
    public void SplitsLfAndCrlfLinesAcrossReadsOfOneByte()
    {
        var input = "first\r\nsecond\n\nthird line is longer than the buffer\r\nlast";
        var lines = ReadAll(new TrickleStream(Encoding.UTF8.GetBytes(input)), maxLineBytes: 100, initialBufferBytes: 4);

        Assert.Equal(["first", "second", "", "third line is longer than the buffer", "last"], lines);
    }

    [Fact]
    public void EmptyInputHasNoLinesAndAFinalLfAddsNone()
    {
        Assert.Empty(ReadAll(new MemoryStream(), 10));
        Assert.Equal(["a"], ReadAll(new MemoryStream("a\n"u8.ToArray()), 10));
        Assert.Equal([""], ReadAll(new MemoryStream("\n"u8.ToArray()), 10));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void ALineOfExactlyTheLimitPassesAndOneByteMoreIsTooLong(string newline)
    {
        var atLimit = new string('a', 16);
        var overLimit = new string('b', 17);
        var input = Encoding.UTF8.GetBytes(atLimit + newline + overLimit + newline + "next" + newline);

        var lines = ReadAll(new TrickleStream(input), maxLineBytes: 16, initialBufferBytes: 2);

        Assert.Equal([atLimit, "<too long>", "next"], lines);
    }

    [Fact]
    public void SkipsTheWholeOfAVeryLongLineAndKeepsTheNext()
    {
        var input = Encoding.UTF8.GetBytes("ok\r\n" + new string('x', 10_000) + "\r\nafter\n" + new string('y', 500));

        var lines = ReadAll(new TrickleStream(input, chunk: 7), maxLineBytes: 64, initialBufferBytes: 8);

        Assert.Equal(["ok", "<too long>", "after", "<too long>"], lines);
    }

    private static List<string> ReadAll(Stream stream, int maxLineBytes, int initialBufferBytes = 64 * 1024)
    {
        var reader = new BoundedLineReader(stream, maxLineBytes, initialBufferBytes);
        var lines = new List<string>();
        LineStatus status;
        while ((status = reader.ReadLine(out var line)) != LineStatus.End)
        {
            lines.Add(status == LineStatus.TooLong ? "<too long>" : Encoding.UTF8.GetString(line));
        }

        return lines;
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a pipe may.</summary>
    private sealed class TrickleStream(byte[] data, int chunk = 1) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }
}
