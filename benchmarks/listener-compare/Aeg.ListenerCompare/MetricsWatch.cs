using System.Diagnostics;
using System.Globalization;

namespace Aeg.ListenerCompare;

/// <summary>
/// The real daemon's side: polls <c>aeg run</c>'s /metrics every 10 ms until one sender's messages
/// have all been handled (parsed, rejected or dropped), then prints when and the counts.
/// </summary>
internal static class MetricsWatch
{
    public static async Task<int> RunAsync(string url, string sender, long target, TimeSpan timeout, int intervalMs = 10)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var counts = new Dictionary<string, long>();
        while (true)
        {
            try
            {
                counts = Parse(await http.GetStringAsync(url), sender);
            }
            catch (HttpRequestException)
            {
                // Not listening yet: the daemon is still starting.
            }

            var handled = Get(counts, "parsed") + Get(counts, "rejected") + Get(counts, "rate_limited");
            if (handled >= target)
            {
                var endMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                Console.WriteLine($"daemon: end_ms={endMs} " + string.Join(' ', counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")));
                return 0;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                Console.WriteLine($"daemon: timed out waiting for {target} handled messages; " + string.Join(' ', counts.Select(c => $"{c.Key}={c.Value}")));
                return 1;
            }

            await Task.Delay(intervalMs);
        }
    }

    private static long Get(Dictionary<string, long> counts, string key) => counts.GetValueOrDefault(key);

    // aeg_listener_messages_<kind>_total{sender="127.0.0.1"} 123 -> kind = 123; the listener's pauses too.
    private static Dictionary<string, long> Parse(string text, string sender)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var label = $"{{sender=\"{sender}\"}} ";
        foreach (var line in text.Split('\n'))
        {
            const string Prefix = "aeg_listener_messages_";
            if (line.StartsWith(Prefix, StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            {
                var kind = line[Prefix.Length..line.IndexOf("_total", StringComparison.Ordinal)];
                counts[kind] = long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("aeg_listener_throttle_pauses_total{", StringComparison.Ordinal))
            {
                counts["throttle_pauses"] = long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return counts;
    }
}
