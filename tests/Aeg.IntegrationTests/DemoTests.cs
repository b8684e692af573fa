using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aeg.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests;

/// <summary>
/// The README's first command, as a newcomer runs it: <c>./aeg.sh demo</c> for a bounded time,
/// with its own MariaDB on a free port and its own run directory (never the test MariaDB).
/// </summary>
[Trait("Category", "Demo")]
public sealed partial class DemoTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task The_readme_demo_sends_annotation_events_end_to_end_prints_the_report_and_leaves_nothing_running()
    {
        var readme = File.ReadAllText(TestServices.RepoFile("README.md"));
        Assert.Contains("./aeg.sh demo ", readme);
        Assert.Contains("--seconds", readme);

        var dir = Path.Combine(Path.GetTempPath(), "aeg-demo-test-" + Guid.NewGuid().ToString("N")[..8]);
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = TestServices.RepoFile(""),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "./aeg.sh", "demo", "--seconds", "15" },
            Environment =
            {
                ["AEG_DEMO_DIR"] = dir,
                ["AEG_DEMO_MYSQL_PORT"] = FreePorts.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["AEG_DEMO_PORT"] = FreePorts.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["AEG_DEMO_HTTP_PORT"] = FreePorts.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["AEG_DEMO_ESM_PORT"] = FreePorts.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        try
        {
            using var demo = Process.Start(start)!;
            var stdout = demo.StandardOutput.ReadToEndAsync();
            var stderr = demo.StandardError.ReadToEndAsync();
            using (var timeout = new CancellationTokenSource(Deadline))
            {
                await demo.WaitForExitAsync(timeout.Token);
            }
            var text = await stdout + await stderr;
            output.WriteLine(text);
            Assert.Equal(0, demo.ExitCode);

            // The report at the end, with figures.
            var received = ReceivedLine().Match(text);
            Assert.True(received.Success, "no report line 'Annotation Events received by Aeg's listener: N'");
            Assert.True(int.Parse(received.Groups[1].Value) >= 10, $"only {received.Groups[1].Value} events received in 15 s at 60x");
            Assert.Matches(@"Annotation Events per analyst and stage:\s*\n\s*analyst\s+.*Final", text);
            // The two tables count different things and the report's times are wall-clock at 60x: the demo says so.
            Assert.Contains("the two\n  tables differ by design", text);
            Assert.Contains("The simulation ran at 60x: the report's durations are wall-clock time", text);
            Assert.DoesNotContain("not every row arrived", text);
            // The analyst report (aeg report) with at least one analyst row carrying a response count.
            Assert.Contains("Analyst report (aeg report", text);
            Assert.Matches(@"(?ms)TIME TO RESPOND.*^(alice|bob|carol|dave|erin) +[1-9]", text);

            // The ESM simulator: annotations reaching Follow-Up or Final became tickets with a nested field of the full ESM event.
            var esmTickets = EsmTicketsLine().Match(text);
            Assert.True(esmTickets.Success && int.Parse(esmTickets.Groups[1].Value) >= 1, "no ticket enriched with the ESM event: " + esmTickets.Value);
            Assert.Contains("zone: /All Zones/ArcSight System/Private Address Space Zones/RFC1918: 192.168.0.0-192.168.255.255", text);

            // End to end: what the listener received went ESM table → poller → CEF over TCP → listener → parser.
            var events = File.ReadLines(Path.Combine(dir, "events.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.TryGetProperty("name", out var n) && n.GetString() == "Annotation Event").ToList();
            Assert.Equal(int.Parse(received.Groups[1].Value), events.Count);
            var ext = events.Select(Extensions).ToList();
            Assert.All(ext, x => Assert.True(x.ContainsKey("cn2") && x.ContainsKey("cn1") && x.ContainsKey("cs3")));
            Assert.Contains(ext, x => x.GetValueOrDefault("cs3") == "Queued");
            Assert.Contains(ext, x => x.GetValueOrDefault("cs3") is "Initial" or "Follow-Up" or "Final" or "Closed");
            Assert.Contains(ext, x => x.GetValueOrDefault("cs1") is { } trail && trail.Contains(",Queued,,,,"));
            Assert.Contains(ext, x => x.GetValueOrDefault("cs2") is { } c && (c.Contains('|') || c.Contains('=') || c.Contains('\\') || c.Contains('\n')));

            // Logs a person reads: aeg run's and aeg simulate's log lines, and what the demo itself printed.
            var logLines = File.ReadLines(Path.Combine(dir, "aeg.log")).Select(l => ("aeg.log", l))
                .Concat(File.ReadLines(Path.Combine(dir, "simulate.log")).Select(l => ("simulate.log", l)))
                .Concat((await stderr).Split('\n').Select(l => ("demo stderr", l)))
                .ToList();
            Assert.Contains(logLines, l => l.Item1 == "aeg.log" && l.Item2.Contains("[INF]", StringComparison.Ordinal));
            Assert.Contains(logLines, l => l.Item1 == "simulate.log" && l.Item2.Contains("simulated clock", StringComparison.Ordinal));
            var internals = logLines.Where(l => InternalFormat().IsMatch(l.Item2)).Select(l => $"{l.Item1}: {l.Item2}").ToList();
            Assert.True(internals.Count == 0, "log lines in an internal format:\n" + string.Join("\n", internals.Take(20)));
        }
        finally
        {
            var survivors = ProcessesMentioning(dir);
            Directory.Delete(dir, recursive: true);
            Assert.True(survivors.Count == 0, "the demo left processes running: " + string.Join("; ", survivors));
        }
    }

    private static Dictionary<string, string> Extensions(JsonElement e) =>
        e.GetProperty("extensions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");

    // MariaDB, aeg run and aeg simulate all carry the run directory in their command line or environment.
    private static List<string> ProcessesMentioning(string dir)
    {
        var found = new List<string>();
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(dir, StringComparison.Ordinal) || File.ReadAllText(Path.Combine(proc, "environ")).Contains(dir, StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(proc)}: {cmdline}");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read, or belongs to another user.
            }
        }
        return found;
    }

    // C# record syntax, long.MinValue/MaxValue, TimeSpan's 00:00:05 (an ISO time at midnight, T00:00:00, is fine), or a raw epoch-ms time (13 digits).
    [GeneratedRegex(@"\{ |MinValue|MaxValue|(?<![T\d:])00:00:|(?<![\d.])\d{13}(?![\d.])")]
    private static partial Regex InternalFormat();

    [GeneratedRegex(@"Tickets made from annotated events, enriched with the full ESM event: (\d+)")]
    private static partial Regex EsmTicketsLine();

    [GeneratedRegex(@"Annotation Events received by Aeg's listener: (\d+)")]
    private static partial Regex ReceivedLine();
}
