namespace Aeg.IntegrationTests.Analytics;

/// <summary>
/// A scripted week of analysts working events with explicit times, and the figures the script
/// implies, written from the story (who responded, reviewed, closed when), not from Aeg's code.
/// </summary>
internal sealed class AnalystScript
{
    public static readonly string[] Analysts = ["alice", "bob", "carol", "dave"];
    public static readonly Dictionary<string, long> StageIds = new() { ["Queued"] = 1, ["Initial"] = 2, ["Follow-Up"] = 3, ["Final"] = 4, ["Closed"] = 5 };
    public static readonly long Base = new DateTimeOffset(2026, 10, 1, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Minute = 60_000;

    /// <summary>One analyst edit. Hidden edits happen between two polls: the next visible row jumps over them.</summary>
    public sealed record Edit(long EventId, long TimeMs, string? User, string Stage, long Flags, bool Hidden = false);

    /// <summary>The story of one event: its MRT and when and by whom it was responded to, reviewed, closed (and re-opened).</summary>
    public sealed record Story(long EventId, long Mrt, bool AuditTrail, Edit Create, Edit Respond, Edit Review, Edit Close, Edit? Reopen, Edit? Reclose)
    {
        public IEnumerable<Edit> Edits => new[] { Create, Respond, Review, Close, Reopen, Reclose }.OfType<Edit>();
        /// <summary>No audit trail and a hidden edit: the history cannot be reconstructed.</summary>
        public bool Incomplete => !AuditTrail && Edits.Any(e => e.Hidden);
    }

    public List<Story> Stories { get; } = [];

    public AnalystScript(int events = 12)
    {
        for (var i = 1; i <= events; i++)
        {
            var mrt = Base + i * 7 * Minute;
            // Events 3 and 8: response and review between two polls, recovered from the audit trail.
            // Event 10: the same, but this site writes no audit trail: incomplete history.
            var hideRespond = i is 3 or 8 or 10;
            var create = new Edit(i, mrt + 30_000, null, "Queued", 0);
            var respond = new Edit(i, mrt + (3 + (i * 5 % 17)) * Minute, Analysts[i % 4], "Initial", 0, hideRespond);
            var review = new Edit(i, respond.TimeMs + (10 + (i * 11 % 53)) * Minute, Analysts[(i + 1) % 4], "Follow-Up", 1);
            var close = new Edit(i, review.TimeMs + (20 + (i * 37 % 300)) * Minute, Analysts[(i + 2) % 4], i % 2 == 0 ? "Final" : "Closed", 1);
            Edit? reopen = null, reclose = null;
            if (i == 5)
            {
                reopen = new Edit(i, close.TimeMs + 120 * Minute, Analysts[3], "Follow-Up", 1);
                reclose = new Edit(i, reopen.TimeMs + 45 * Minute, Analysts[0], "Closed", 1);
            }
            Stories.Add(new Story(i, mrt, AuditTrail: i != 10, create, respond, review, close, reopen, reclose));
        }
    }

    /// <summary>The expected durations in seconds per (kind, analyst): the definitions in docs/metrics.md applied to the story.</summary>
    public Dictionary<(string Kind, string Analyst), List<double>> ExpectedDurations()
    {
        var d = new Dictionary<(string, string), List<double>>();
        void Add(string kind, string analyst, long fromMs, long toMs)
        {
            if (!d.TryGetValue((kind, analyst), out var list))
            {
                d[(kind, analyst)] = list = [];
            }
            list.Add((toMs - fromMs) / 1000.0);
        }
        foreach (var s in Stories.Where(s => !s.Incomplete))
        {
            Add("respond", s.Respond.User!, s.Mrt, s.Respond.TimeMs);
            Add("review", s.Review.User!, s.Mrt, s.Review.TimeMs);
            Add("close", s.Close.User!, s.Review.TimeMs, s.Close.TimeMs);
            if (s.Reclose is not null)
            {
                Add("close", s.Reclose.User!, s.Reopen!.TimeMs, s.Reclose.TimeMs);
            }
        }
        return d;
    }

    /// <summary>Stage changes per (analyst, stage) that can be known: all but those hidden without an audit trail.</summary>
    public Dictionary<(string Analyst, string Stage), int> ExpectedStageCounts() => Stories
        .SelectMany(s => s.Edits.Skip(1).Where(e => s.AuditTrail || !(e.Hidden || e == s.Review)))
        .GroupBy(e => (e.User!, e.Stage)).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>The days (UTC) from the first to the last known stage change.</summary>
    public int ExpectedDays()
    {
        var times = Stories.SelectMany(s => s.Edits.Skip(1)).Select(e => DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs).UtcDateTime.Date).ToList();
        return (int)(times.Max() - times.Min()).TotalDays + 1;
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default), written here independently of Aeg.</summary>
    public static double Quantile(List<double> values, double q)
    {
        var v = values.OrderBy(x => x).ToList();
        var pos = q * (v.Count - 1);
        var lo = (int)pos;
        return lo + 1 < v.Count ? v[lo] + (pos - lo) * (v[lo + 1] - v[lo]) : v[lo];
    }
}
