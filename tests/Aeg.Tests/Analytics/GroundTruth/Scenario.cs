using System.Globalization;
using System.Text;
using Aeg.Analytics;

namespace Aeg.Tests.Analytics.GroundTruth;

/// <summary>One analyst edit as ESM made it: the event's state after the edit, at its time, by its analyst.</summary>
public sealed record Edit(long EventId, long Version, long TimeMs, string Analyst, string Stage, long Flags);

/// <summary>An event of the scenario: its MRT and every edit in order (version 1 is the creation, in Queued).</summary>
public sealed record ScenarioEvent(long EventId, long Mrt, List<Edit> Edits);

/// <summary>
/// A ground-truth scenario: the full list of edits (which the code under test never sees) and the
/// times the poller read the annotation table. <see cref="Rows"/> turns it into what each poll
/// returns: per event, its latest edit at the poll if newer than the last one read, with the
/// audit trail ESM would hold then.
/// </summary>
public sealed class Scenario
{
    public const string Initial = "Queued";
    public static readonly string[] FinalStages = ["Final", "Closed"];
    public const long ReviewedBit = 1;

    public List<ScenarioEvent> Events { get; } = [];
    public List<long> Polls { get; } = [];

    /// <summary>The rows each poll returns, in poll order, each poll's rows ordered as the poller reads them (time, event id).</summary>
    public List<List<AnalyticsRow>> Rows()
    {
        var lastRead = new Dictionary<long, long>();
        var batches = new List<List<AnalyticsRow>>();
        foreach (var poll in Polls.Order())
        {
            var batch = new List<AnalyticsRow>();
            foreach (var e in Events)
            {
                var latest = e.Edits.LastOrDefault(x => x.TimeMs <= poll);
                if (latest is null || latest.Version <= lastRead.GetValueOrDefault(e.EventId))
                {
                    continue;
                }
                lastRead[e.EventId] = latest.Version;
                batch.Add(new AnalyticsRow(e.EventId, latest.Version, latest.TimeMs, latest.Analyst, latest.Stage, latest.Flags, e.Mrt,
                    AuditTrailAt(e, latest.Version)));
            }
            batches.Add([.. batch.OrderBy(r => r.ModificationTimeMs).ThenBy(r => r.EventId)]);
        }
        return batches;
    }

    /// <summary>Which versions of each event a poll read (the others happened between two polls).</summary>
    public HashSet<(long EventId, long Version)> SeenVersions() =>
        [.. Rows().SelectMany(b => b).Select(r => (r.EventId, r.Version))];

    /// <summary>
    /// The <c>audit_trail</c> column after an edit: one line per edit, newest first, cut to 2,048
    /// bytes as ESM's column is (the oldest lines fall off, the last one kept may be cut mid-line).
    /// </summary>
    public static string AuditTrailAt(ScenarioEvent e, long version)
    {
        var text = new StringBuilder();
        foreach (var edit in e.Edits.Where(x => x.Version <= version).Reverse())
        {
            text.Append(CultureInfo.InvariantCulture, $"1,{edit.TimeMs},{edit.Analyst},{edit.Stage},,,,\n");
        }
        var all = text.ToString();
        return Encoding.UTF8.GetByteCount(all) <= AuditTrail.Capacity ? all : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(all), 0, AuditTrail.Capacity);
    }

    /// <summary>The options the scenario is judged with: the defaults (review = flag bit 0, Final and Closed close).</summary>
    public static AnalyticsOptions Options() => new();
}
