namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>
/// A seeded scenario at the size of issue 20's hand-built one (200 events, 4 analysts, about 800
/// edits, 264 polls six minutes apart over 26.4 hours). Each event is created in Queued 5 s to
/// 2 min after its MRT, then worked by random analysts through a small stage machine (respond to
/// Initial or Follow-Up, comment edits that keep the stage, close to Final or Closed, sometimes
/// re-open), with the reviewed flag set on one edit of most events (alone or with a stage change,
/// also together with the close). A third of the edits follow the one before within 30 s, so
/// they often fall between two polls and must be recovered from the audit trail. An event has at
/// most 8 edits, so its audit trail never fills the 2,048-byte column (cut trails are hand cases).
/// </summary>
public static class ScenarioGenerator
{
    public static readonly string[] Analysts = ["alice", "bob", "carol", "dave"];
    private const long Second = 1_000;
    private const long Minute = 60 * Second;

    public static Scenario Generate(int seed = 20, int events = 200, int polls = 264)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 11, 2, 6, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var scenario = new Scenario();
        for (var p = 1; p <= polls; p++)
        {
            // Polls are not on whole seconds: an edit never falls exactly on one by accident.
            scenario.Polls.Add(start + p * 6 * Minute + 437);
        }
        // Events arrive over the first 20 hours so their work ends before the last poll.
        for (var id = 1; id <= events; id++)
        {
            var mrt = start + random.NextInt64(0, 20 * 60 * Minute) + random.Next(1000);
            var ev = new ScenarioEvent(id, mrt, []);
            var t = mrt + random.NextInt64(5 * Second, 2 * Minute);
            ev.Edits.Add(new Edit(id, 1, t, "system", Scenario.Initial, 0));
            var stage = Scenario.Initial;
            long flags = 0;
            var steps = random.Next(1, 8);
            for (var step = 0; step < steps; step++)
            {
                // Milliseconds are kept: durations are compared to the millisecond.
                t += random.NextDouble() < 0.33
                    ? random.NextInt64(1 * Second, 30 * Second) + random.Next(1000)
                    : random.NextInt64(2 * Minute, 150 * Minute) + random.Next(1000);
                var next = NextStage(stage, random);
                if (flags == 0 && random.NextDouble() < (next == stage ? 0.6 : 0.3))
                {
                    flags |= Scenario.ReviewedBit;
                }
                ev.Edits.Add(new Edit(id, ev.Edits.Count + 1, t, Analysts[random.Next(Analysts.Length)], next, flags));
                stage = next;
                if (Scenario.FinalStages.Contains(stage) && random.NextDouble() < 0.5)
                {
                    break;
                }
            }
            scenario.Events.Add(ev);
        }
        return scenario;
    }

    // The stage after an edit; the same stage is a comment (or flag-only) edit.
    private static string NextStage(string stage, Random random)
    {
        var r = random.NextDouble();
        return stage switch
        {
            "Queued" => r < 0.7 ? "Initial" : "Follow-Up",
            "Initial" => r < 0.4 ? "Follow-Up" : r < 0.6 ? "Final" : r < 0.75 ? "Closed" : "Initial",
            "Follow-Up" => r < 0.35 ? "Final" : r < 0.6 ? "Closed" : r < 0.75 ? "Initial" : "Follow-Up",
            // Final → Closed is a second final stage (no new close); otherwise a re-open.
            "Final" => r < 0.3 ? "Closed" : r < 0.8 ? "Follow-Up" : "Initial",
            _ => r < 0.7 ? "Follow-Up" : "Initial",
        };
    }
}
