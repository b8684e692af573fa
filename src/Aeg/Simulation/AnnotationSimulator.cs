namespace Aeg.Simulation;

/// <summary>What to simulate: how many analysts and events, and the random seed (null: a new run each time).</summary>
public sealed record SimulationSettings(int Analysts, int Events, int? Seed)
{
    /// <summary>Mean simulated time between two new events; more analysts take on more events.</summary>
    public TimeSpan ArrivalMean => TimeSpan.FromSeconds(120.0 / Math.Max(1, Analysts));
}

/// <summary>
/// Plays analysts working events through the stages, in simulated time, as a stream of
/// <see cref="SimulatedEdit"/>s ordered by time. Pure (no database, no clock): the same seed
/// gives the same stream. An event arrives in Queued; an analyst takes it to Initial after a
/// while, then Follow-Up (sometimes re-image) or straight to Final, and sometimes Closed. Some
/// edits only change the comment or the flags, and some come a second or two after the previous
/// one — two edits between two polls, which a poller sees as a version gap.
/// </summary>
public sealed class AnnotationSimulator
{
    private readonly SimulationSettings _settings;
    private readonly Random _random;
    private readonly string[] _analysts;
    private readonly PriorityQueue<Pending, (TimeSpan, long)> _queue = new();
    private readonly Dictionary<long, EventState> _events = [];
    private long _sequence;
    private long _created;
    private TimeSpan _nextArrival;

    public AnnotationSimulator(SimulationSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Analysts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Events, 0);
        _settings = settings;
        _random = settings.Seed is { } seed ? new Random(seed) : new Random();
        _analysts = AnalystNames(settings.Analysts);
    }

    /// <summary>The analysts' user names (alice, bob, …; analyst11 onwards past the tenth).</summary>
    public IReadOnlyList<string> Analysts => _analysts;

    /// <summary>Events that reached their last stage.</summary>
    public long Finished { get; private set; }

    public long Created => _created;

    /// <summary>The next edit in simulated-time order, or false when every event is finished.</summary>
    public bool TryNext(out SimulatedEdit edit)
    {
        while (true)
        {
            if (_created < _settings.Events && (!_queue.TryPeek(out _, out var first) || _nextArrival <= first.Item1))
            {
                edit = Arrive();
                return true;
            }
            if (!_queue.TryDequeue(out var pending, out _))
            {
                edit = null!;
                return false;
            }
            // A late comment edit of an event that was finished in the meantime is dropped.
            if (_events.ContainsKey(pending.EventNumber))
            {
                edit = Apply(pending);
                return true;
            }
        }
    }

    private SimulatedEdit Arrive()
    {
        var number = ++_created;
        var at = _nextArrival;
        _nextArrival += Exponential(_settings.ArrivalMean, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30));
        _events[number] = new EventState { Stage = SimulatedStage.Queued };
        // Analysts answer a queued event within minutes, rarely after half an hour.
        Schedule(at + Exponential(TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(45)), number, Step.Next, Pick(_analysts));
        return new SimulatedEdit(at, number, IsNew: true, Analyst: null, SimulatedStage.Queued, StageChanged: true, Comment: null, SimulatedFlags.None, FinishesEvent: false);
    }

    private SimulatedEdit Apply(Pending p)
    {
        var e = _events[p.EventNumber];
        string? comment = null;
        var stageChanged = false;
        var finishes = false;
        if (p.Step == Step.Next)
        {
            var next = NextStage(e.Stage);
            stageChanged = true;
            e.Stage = next;
            comment = _random.NextDouble() < 0.7 ? SimulationComments.Pick(_random) : null;
            switch (next)
            {
                case SimulatedStage.Initial or SimulatedStage.FollowUp:
                    // Most events are marked reviewed during triage, before they are closed, so
                    // time to review and time to close are both real durations.
                    if (_random.NextDouble() < (next == SimulatedStage.Initial ? 0.3 : 0.6))
                    {
                        e.Flags |= SimulatedFlags.IsReviewed;
                    }
                    if (next == SimulatedStage.FollowUp && _random.NextDouble() < 0.2)
                    {
                        e.Flags |= SimulatedFlags.InCase;
                    }
                    break;
                case SimulatedStage.Final or SimulatedStage.Closed:
                    e.Flags |= SimulatedFlags.IsReviewed;
                    if (_random.NextDouble() < 0.3)
                    {
                        e.Flags |= SimulatedFlags.IsIgnored;
                    }
                    break;
            }
            finishes = next == SimulatedStage.Closed || (next == SimulatedStage.Final && _random.NextDouble() < 0.5);
            if (!finishes)
            {
                Schedule(p.At + StageDelay(next), p.EventNumber, Step.Next, p.Analyst);
            }
            // Now and then a second edit a moment later (a typo fixed, a flag forgotten).
            if (_random.NextDouble() < 0.12)
            {
                Schedule(p.At + TimeSpan.FromMilliseconds(_random.Next(200, 3000)), p.EventNumber, finishes ? Step.FinalTouch : Step.Touch, p.Analyst);
                if (finishes)
                {
                    finishes = false;
                    e.FinishAfterTouch = true;
                }
            }
            else if (!finishes && _random.NextDouble() < 0.25)
            {
                Schedule(p.At + Exponential(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)), p.EventNumber, Step.Touch, p.Analyst);
            }
        }
        else
        {
            comment = SimulationComments.Pick(_random);
            if (_random.NextDouble() < 0.3)
            {
                e.Flags ^= SimulatedFlags.InCase;
            }
            finishes = p.Step == Step.FinalTouch && e.FinishAfterTouch;
        }
        if (finishes)
        {
            _events.Remove(p.EventNumber);
            Finished++;
        }
        return new SimulatedEdit(p.At, p.EventNumber, IsNew: false, p.Analyst, e.Stage, stageChanged, comment, e.Flags, finishes);
    }

    private SimulatedStage NextStage(SimulatedStage stage) => stage switch
    {
        SimulatedStage.Queued => SimulatedStage.Initial,
        SimulatedStage.Initial => _random.NextDouble() < 0.6 ? SimulatedStage.FollowUp : SimulatedStage.Final,
        SimulatedStage.FollowUp => _random.NextDouble() < 0.15 ? SimulatedStage.ReImage : SimulatedStage.Final,
        SimulatedStage.ReImage => SimulatedStage.Final,
        _ => SimulatedStage.Closed,
    };

    private TimeSpan StageDelay(SimulatedStage stage) => stage switch
    {
        SimulatedStage.Initial => Exponential(TimeSpan.FromMinutes(4), TimeSpan.FromSeconds(20), TimeSpan.FromHours(1)),
        SimulatedStage.FollowUp => Exponential(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30), TimeSpan.FromHours(2)),
        SimulatedStage.ReImage => Exponential(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(2), TimeSpan.FromHours(3)),
        _ => Exponential(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(30)),
    };

    private void Schedule(TimeSpan at, long eventNumber, Step step, string analyst) =>
        _queue.Enqueue(new Pending(at, eventNumber, step, analyst), (at, ++_sequence));

    private TimeSpan Exponential(TimeSpan mean, TimeSpan min, TimeSpan max)
    {
        var t = -Math.Log(1 - _random.NextDouble()) * mean.TotalSeconds;
        return TimeSpan.FromSeconds(Math.Clamp(t, min.TotalSeconds, max.TotalSeconds));
    }

    private string Pick(string[] items) => items[_random.Next(items.Length)];

    private static readonly string[] Names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];

    private static string[] AnalystNames(int count) =>
        Enumerable.Range(0, count).Select(i => i < Names.Length ? Names[i] : $"analyst{i + 1}").ToArray();

    private enum Step { Next, Touch, FinalTouch }

    private sealed record Pending(TimeSpan At, long EventNumber, Step Step, string Analyst);

    private sealed class EventState
    {
        public SimulatedStage Stage;
        public SimulatedFlags Flags;
        public bool FinishAfterTouch;
    }
}
