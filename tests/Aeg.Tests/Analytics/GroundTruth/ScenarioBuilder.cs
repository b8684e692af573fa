using System.Globalization;
using Aeg.Analytics;

namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>
/// Hand-written scenarios read like a log: times are "HH:mm:ss.fff" on 2026-11-02 (UTC), each
/// edit is the state after it, and each expectation is computed by hand in the test.
/// </summary>
public sealed class ScenarioBuilder
{
    private static readonly DateTime Day = new(2026, 11, 2, 0, 0, 0, DateTimeKind.Utc);
    private ScenarioEvent? _current;

    public Scenario Scenario { get; } = new();

    public List<AnalystDuration> Expected { get; } = [];

    /// <summary>Epoch ms of a time of the scenario's day.</summary>
    public static long At(string time) =>
        new DateTimeOffset(Day + TimeSpan.ParseExact(time, [@"hh\:mm\:ss\.fff", @"hh\:mm\:ss", @"hh\:mm"], CultureInfo.InvariantCulture)).ToUnixTimeMilliseconds();

    /// <summary>A new event with its MRT; its creation (version 1, Queued, by system) follows with <paramref name="created"/>.</summary>
    public ScenarioBuilder Event(long eventId, string mrt, string created)
    {
        _current = new ScenarioEvent(eventId, At(mrt), []);
        Scenario.Events.Add(_current);
        return Edit(created, "system", Scenario.Initial);
    }

    /// <summary>An edit of the current event: the stage and flags after it.</summary>
    public ScenarioBuilder Edit(string time, string analyst, string stage, long flags = 0) => Edit(At(time), analyst, stage, flags);

    public ScenarioBuilder Edit(long timeMs, string analyst, string stage, long flags = 0)
    {
        var e = _current ?? throw new InvalidOperationException("Event first");
        e.Edits.Add(new Edit(e.EventId, e.Edits.Count + 1, timeMs, analyst, stage, flags));
        return this;
    }

    /// <summary>The poller reads the table at this time.</summary>
    public ScenarioBuilder Poll(string time)
    {
        Scenario.Polls.Add(At(time));
        return this;
    }

    /// <summary>An expected duration of the current event, from start to end, to the millisecond.</summary>
    public ScenarioBuilder Expect(DurationKind kind, string analyst, string start, string end, DurationSource obtained, long ms)
    {
        var e = _current ?? throw new InvalidOperationException("Event first");
        var d = new AnalystDuration(e.EventId, kind, analyst, At(start), At(end), obtained);
        // The hand-computed length guards against a typo in either time.
        Assert.Equal(ms, d.EndMs - d.StartMs);
        Expected.Add(d);
        return this;
    }
}
