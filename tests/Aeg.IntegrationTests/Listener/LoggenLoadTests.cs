using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Aeg.Listener;
using Aeg.Syslog;

namespace Aeg.IntegrationTests.Listener;

/// <summary>Load from the real <c>loggen</c> (Debian syslog-ng-core): every message it reports sent is counted.</summary>
public sealed partial class LoggenLoadTests
{
    private const string Loggen = "/usr/bin/loggen";

    [GeneratedRegex(@"count=(\d+)")]
    private static partial Regex SentCount();

    private static async Task<long> RunLoggenAsync(params string[] args)
    {
        Assert.True(File.Exists(Loggen), $"{Loggen} is missing: install Debian's syslog-ng-core (./aeg.sh test does)");
        var start = new ProcessStartInfo(Loggen) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"loggen failed ({process.ExitCode}): {output}");
        var counts = SentCount().Matches(output);
        Assert.True(counts.Count > 0, $"loggen printed no count: {output}");
        // The last summary line is the total over the run.
        return long.Parse(counts[^1].Groups[1].Value);
    }

    [Fact]
    public async Task Cef_lines_from_loggen_over_tcp_are_all_counted_and_byte_exact()
    {
        string[] lines =
        [
            "<134>Nov 22 02:10:37 esm01 CEF:0|ArcSight|ArcSight|7.0|rule:101|Rule fired|Medium|src=10.0.0.1 dst=10.0.0.2 cs2Label=stage cs2=re-image msg=" + new string('p', 520),
            "CEF:0|HP|AEG|1.0|1|Annotation Event|3|cs1=a\\=b cs2Label=stage cs2=Closed cn2=4711",
        ];
        var file = Path.Combine(Path.GetTempPath(), $"aeg-loggen-{Guid.NewGuid():N}.cef");
        await File.WriteAllLinesAsync(file, lines);
        try
        {
            await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp });
            var sent = await RunLoggenAsync("--inet", "--stream", "--read-file", file, "--dont-parse", "--loop-reading",
                "--number", "20000", "--rate", "200000", "127.0.0.1", listener.EndPoint.Port.ToString());

            Assert.Equal(20000, sent);
            await WaitUntil.HoldsAsync(() => listener.Handler.Count == sent && listener.Counters.ConnectionsActive == 0, $"{sent} frames");
            Assert.Equal(sent, listener.Counters.Frames);
            Assert.Equal(sent, listener.Host.Senders.Get(IPAddress.Loopback).Received);
            var expected = lines.Select(Encoding.UTF8.GetBytes).ToArray();
            var frames = listener.Handler.Frames;
            for (var i = 0; i < frames.Count; i++)
            {
                Assert.Equal(expected[i % 2], frames[i]);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Octet_counted_rfc5424_from_loggen_on_several_connections_are_all_counted()
    {
        await using var listener = await TestListener.StartAsync(new ListenerOptions { Protocol = SyslogProtocol.Tcp });
        var sent = await RunLoggenAsync("--inet", "--stream", "--syslog-proto", "--active-connections", "4", "--size", "650",
            "--number", "5000", "--rate", "100000", "127.0.0.1", listener.EndPoint.Port.ToString());

        Assert.True(sent >= 5000, $"loggen sent {sent}");
        await WaitUntil.HoldsAsync(() => listener.Handler.Count == sent && listener.Counters.ConnectionsActive == 0, $"{sent} frames");
        Assert.Equal(sent, listener.Counters.Frames);
        Assert.Equal(0, listener.Counters.FramingErrors);
        Assert.All(listener.Handler.Frames, f => Assert.StartsWith("<38>1 ", Encoding.UTF8.GetString(f)));
        Assert.Equal(650, listener.Handler.Frames[0].Length);
    }

    [Fact]
    public async Task Loggen_over_tcp_faster_than_the_sender_rate_is_slowed_and_every_message_arrives()
    {
        // 1 KiB messages: 20 MB in all, far more than loggen's socket buffer (Linux autotunes it up to
        // tcp_wmem's 4 MiB) and the listener's 64 KiB, so most of the stream must wait for the rate.
        const int Count = 20_000, Rate = 4_000, Burst = 500, Size = 1024;
        await using var listener = await TestListener.StartAsync(new ListenerOptions
        {
            Protocol = SyslogProtocol.Tcp,
            SenderMessagesPerSecond = Rate,
            SenderBurst = Burst,
            ReceiveBufferSize = 64 * 1024,
        });
        var clock = Stopwatch.StartNew();
        var sent = await RunLoggenAsync("--inet", "--stream", "--size", Size.ToString(), "--number", Count.ToString(), "--rate", "100000",
            "127.0.0.1", listener.EndPoint.Port.ToString());
        var loggenSeconds = clock.Elapsed.TotalSeconds;

        Assert.Equal(Count, sent);
        await WaitUntil.HoldsAsync(() => listener.Handler.Count == sent && listener.Counters.ConnectionsActive == 0, $"{sent} frames");
        // loggen asked for 100,000/s; it could not finish before the listener had read all but what the
        // buffers hold (under 4.5 MB = 4,500 messages), at 4,000/s after the burst.
        var bound = (Count - Burst - 4_500) / (double)Rate;
        Assert.True(loggenSeconds >= bound, $"loggen finished in {loggenSeconds:F2} s; backpressure holds it at least {bound:F2} s");
        var sender = listener.Host.Senders.Get(IPAddress.Loopback);
        Assert.Equal(sent, sender.Received);
        Assert.Equal(0, sender.RateLimited);
        Assert.Equal(0, listener.Counters.FramesRateLimited);
        Assert.True(sender.ThrottledMilliseconds >= 1_000, $"throttled {sender.ThrottledMilliseconds} ms");
        Assert.All(listener.Handler.Frames, f => Assert.Equal(Size - 1, f.Length));
    }
}
