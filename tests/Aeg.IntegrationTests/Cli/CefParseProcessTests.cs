using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Cli;

/// <summary><c>aeg cef parse</c> as a user runs it: the executable (<see cref="AegBinary"/>) with piped standard streams.</summary>
public class CefParseProcessTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task TheExecutableParsesPipedLinesAndPrintsTheSummary()
    {
        using var aeg = StartAeg();
        var stdout = aeg.StandardOutput.ReadToEndAsync();
        var stderr = aeg.StandardError.ReadToEndAsync();

        await aeg.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(
            "<134>Nov 22 02:14:07 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.2|end|TRAFFIC|1|src=10.1.2.3 msg=a\\=b\\nc\r\n" +
            "not a cef line\n" +
            "CEF: 0|ArcSight|ArcSight|7.6|rule:1|Brute Force|High|ad.field[0]=x y\n"));
        aeg.StandardInput.Close();

        Assert.True(aeg.WaitForExit(Deadline), "aeg cef parse did not exit");
        Assert.Equal(0, aeg.ExitCode);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);

        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(134, first.RootElement.GetProperty("syslog").GetProperty("pri").GetInt32());
        Assert.Equal("fw01", first.RootElement.GetProperty("syslog").GetProperty("host").GetString());
        Assert.Equal("Palo Alto Networks", first.RootElement.GetProperty("deviceVendor").GetString());
        Assert.Equal([("src", "10.1.2.3"), ("msg", "a=b\nc")], Extensions(first.RootElement));

        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("NoCefMarker", second.RootElement.GetProperty("error").GetString());

        using var third = JsonDocument.Parse(lines[2]);
        Assert.Equal(JsonValueKind.Null, third.RootElement.GetProperty("syslog").ValueKind);
        Assert.Equal("High", third.RootElement.GetProperty("severity").GetString());
        Assert.Equal([("ad.field[0]", "x y")], Extensions(third.RootElement));

        Assert.Equal("lines=3 parsed=2 rejected=1", (await stderr).Trim());
    }

    [Fact]
    public async Task EachLineComesOutWhileTheInputIsStillOpen()
    {
        using var aeg = StartAeg();
        var output = new OutputCounter(aeg.StandardOutput.BaseStream);
        var draining = Task.Run(output.DrainAsync);

        // As `tail -f log | aeg cef parse` would: the pipe stays open, the line must still appear.
        await aeg.StandardInput.BaseStream.WriteAsync("CEF:0|a|b|c|d|e|5|eventId=0\n"u8.ToArray());
        await aeg.StandardInput.BaseStream.FlushAsync();
        await WaitUntil.HoldsAsync(() => output.Lines == 1 || draining.IsCompleted, "the first line while stdin is open", Deadline);

        Assert.False(aeg.HasExited);
        aeg.StandardInput.Close();
        Assert.True(aeg.WaitForExit(Deadline), "aeg cef parse did not exit");
        await draining;
        Assert.Equal(1, output.Lines);
        Assert.Equal([0L], output.Samples);
    }

    /// <summary>
    /// Pipes 200 MB generated on the fly through the process and checks its peak resident memory
    /// (VmHWM) hardly moves between the first 20 MB and the end: memory does not grow with input.
    /// </summary>
    [Fact]
    public async Task TwoHundredMegabytesStreamThroughInBoundedMemory()
    {
        const long warmUpBytes = 20L * 1024 * 1024;
        const long totalBytes = 200L * 1024 * 1024;

        using var aeg = StartAeg();
        var stderr = aeg.StandardError.ReadToEndAsync();
        var output = new OutputCounter(aeg.StandardOutput.BaseStream);
        var draining = Task.Run(output.DrainAsync);

        var input = new BufferedStream(aeg.StandardInput.BaseStream, 64 * 1024);
        long written = 0;
        long lines = 0;
        while (written < warmUpBytes)
        {
            written += WriteLine(input, lines++);
        }

        input.Flush();
        await WaitUntil.HoldsAsync(() => output.Lines == lines || draining.IsCompleted, "the first 20 MB to come out", Deadline);
        var peakAfterWarmUp = PeakResidentKiB(aeg.Id);

        while (written < totalBytes)
        {
            written += WriteLine(input, lines++);
        }

        input.Flush();
        await WaitUntil.HoldsAsync(() => output.Lines == lines || draining.IsCompleted, "all 200 MB to come out", Deadline);
        var peakAtEnd = PeakResidentKiB(aeg.Id);

        log.WriteLine($"{lines} lines, {written} bytes; VmHWM {peakAfterWarmUp} KiB after 20 MB, {peakAtEnd} KiB at the end");

        aeg.StandardInput.Close();
        Assert.True(aeg.WaitForExit(Deadline), "aeg cef parse did not exit");
        await draining;
        Assert.Equal(0, aeg.ExitCode);
        Assert.Equal(lines, output.Lines);
        Assert.Equal($"lines={lines} parsed={lines} rejected=0", (await stderr).Trim());
        Assert.Equal(Enumerable.Range(0, output.Samples.Count).Select(i => (long)i * OutputCounter.SampleEvery), output.Samples);

        // The runtime itself needs some tens of MB; the parser's buffers add a few hundred KB.
        Assert.True(peakAtEnd - peakAfterWarmUp < 16 * 1024,
            $"peak resident memory grew from {peakAfterWarmUp} KiB to {peakAtEnd} KiB while 180 MB more passed through");
        Assert.True(peakAtEnd < 64 * 1024, $"peak resident memory {peakAtEnd} KiB for a 200 MB stream");
    }

    private static int WriteLine(Stream input, long number)
    {
        var line = Encoding.UTF8.GetBytes(
            $"<134>Nov 22 02:14:07 fw01.corp.example.com CEF:0|ArcSight|ArcSight|7.6.0|{number}|Stream test|Medium|" +
            $"eventId={number} src=10.20.30.{number % 256} suser=CORP\\\\jdoe msg=line {number} with escapes a\\=b\\nnext " +
            "cs1Label=Rule URI cs1=/All Rules/SOC/Brute Force ad.arcSightEventPath=3Fk2p0XsBABCAw4t+vc0yQ\\=\\= " +
            "requestUrl=https://portal.corp.example.com/login?next\\=/home act=blocked\r\n");
        input.Write(line);
        return line.Length;
    }

    private static Process StartAeg()
    {
        var start = AegBinary.StartInfo(["cef", "parse"]);
        start.RedirectStandardInput = true;
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
    }

    private static List<(string Key, string Value)> Extensions(JsonElement json) =>
        json.GetProperty("extensions").EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)).ToList();

    private static long PeakResidentKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]);
    }

    /// <summary>Counts output lines and checks every <see cref="SampleEvery"/>th one without keeping the rest.</summary>
    private sealed class OutputCounter(Stream stdout)
    {
        public const long SampleEvery = 50_000;

        private long _lines;
        private readonly MemoryStream _sampled = new();

        public long Lines => Interlocked.Read(ref _lines);

        /// <summary>The eventId of each sampled line, read back from its JSON.</summary>
        public List<long> Samples { get; } = [];

        public async Task DrainAsync()
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stdout.ReadAsync(buffer)) > 0)
            {
                Consume(buffer.AsSpan(0, read));
            }
        }

        private void Consume(ReadOnlySpan<byte> chunk)
        {
            while (!chunk.IsEmpty)
            {
                var lineFeed = chunk.IndexOf((byte)'\n');
                var sampling = _lines % SampleEvery == 0;
                if (sampling)
                {
                    _sampled.Write(lineFeed < 0 ? chunk : chunk[..lineFeed]);
                }

                if (lineFeed < 0)
                {
                    return;
                }

                if (sampling)
                {
                    using var json = JsonDocument.Parse(_sampled.ToArray());
                    Samples.Add(long.Parse(json.RootElement.GetProperty("extensions").GetProperty("eventId").GetString()!));
                    _sampled.SetLength(0);
                }

                Interlocked.Increment(ref _lines);
                chunk = chunk[(lineFeed + 1)..];
            }
        }
    }
}
