using System.Diagnostics;
using Aeg.IntegrationTests.Annotations;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Faults;

/// <summary>The figures a fault drill reports (quoted in docs/reliability.md).</summary>
internal sealed record DrillResult(string Drill, long Expected, long Emitted, long Duplicated, long Lost, string Notes)
{
    /// <summary>Counts every id once as expected, and what arrived (a list with repeats) as emitted.</summary>
    public static DrillResult FromIds(string drill, IEnumerable<long> expected, IReadOnlyList<long> received, string notes)
    {
        var want = expected.ToHashSet();
        var got = received.ToHashSet();
        return new DrillResult(drill, want.Count, received.Count, received.Count - got.Count, want.Count(id => !got.Contains(id)), notes);
    }

    public void Print(ITestOutputHelper output) =>
        output.WriteLine($"DRILL {Drill}: expected={Expected} emitted={Emitted} duplicated={Duplicated} lost={Lost}; {Notes}");
}

/// <summary>Helpers the drills share.</summary>
internal static class Drill
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; throws naming <paramref name="what"/> at the deadline.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>The event id (cn2) of every received line, in arrival order.</summary>
    public static List<long> EventIds(IEnumerable<string> lines) => lines.Select(l => long.Parse(ParsedCef.Parse(l)["cn2"])).ToList();

    /// <summary>Event ids of syslog lines as raw bytes.</summary>
    public static List<long> EventIds(IEnumerable<byte[]> lines) => EventIds(lines.Select(l => System.Text.Encoding.UTF8.GetString(l)));
}
