using System.Text.Json;
using Aeg.Analytics;
using Aeg.Analytics.Cases;
using Xunit;

namespace Aeg.Tests.Analytics.Cases;

/// <summary>
/// ESM case durations per owner from hand-computed case histories: creation, several polls, stage moves, owner changes,
/// a re-open, FINAL → CLOSED, look-back repeats, a case without createdTimestamp; recorded poll by poll across a restart.
/// </summary>
public sealed class CaseDurationsTests : IDisposable
{
    private const long M = 60_000; // one minute in ms
    private readonly TempDirectory _dir = new();
    private static readonly CaseDurations Rules = new(["Final", "Closed", "CLOSED"], "Queued");

    public void Dispose() => _dir.Dispose();

    // Times are minutes after Base; a created time of -1 is a case without createdTimestamp (0 in the resource).
    private const long Base = 1_796_000_000_000;

    private static CaseSnapshot S(string id, long created, long modified, string stage, string owner) =>
        new(id, created < 0 ? 0 : Base + created, Base + modified, stage, owner);

    private static CaseDuration D(string id, CaseDurationKind kind, string owner, long start, long end) => new(id, kind, owner, Base + start, Base + end);

    // What eight polls saw (each case at most once per poll, the latest state then; look-back repeats included).
    private static readonly CaseSnapshot[][] Polls =
    [
        [S("A", 0, 1 * M, "QUEUED", "alice"), S("B", 0, 2 * M, "QUEUED", "bob"), S("D", 0, 3 * M, "QUEUED", "frank")],
        [S("B", 0, 5 * M, "FOLLOW_UP", "bob"), S("D", 0, 3 * M, "QUEUED", "frank")],
        [S("A", 0, 10 * M, "INITIAL", "alice"), S("B", 0, 15 * M, "FOLLOW_UP", "carol"), S("D", 0, 4 * M, "QUEUED", "frank")],
        [S("C", 10 * M, 25 * M, "CLOSED", "erin"), S("B", 0, 30 * M, "CLOSED", "carol")],
        [S("B", 0, 40 * M, "FOLLOW_UP", "carol"), S("E", -1, 50 * M, "INITIAL", "gina")],
        [S("A", 0, 60 * M, "CLOSED", "alice"), S("E", -1, 80 * M, "CLOSED", "gina")],
        [S("B", 0, 90 * M, "FINAL", "dave")],
        [S("B", 0, 100 * M, "CLOSED", "dave"), S("A", 0, 60 * M, "CLOSED", "alice")],
    ];

    // By hand: A first change 0→10m (alice), close 0→60m (alice). B first change 0→5m (bob); owner carol closes 0→30m; re-opened
    // at 40m, dave closes 40m→90m (FINAL); FINAL→CLOSED is no second close. C created 10m, first seen CLOSED at 25m: 15m both
    // (erin). D never moves. E has no createdTimestamp: its clock starts at 50m (INITIAL, not measured), gina closes 50m→80m.
    private static readonly CaseDuration[] Expected =
    [
        D("A", CaseDurationKind.FirstChange, "alice", 0, 10 * M),
        D("A", CaseDurationKind.Close, "alice", 0, 60 * M),
        D("B", CaseDurationKind.FirstChange, "bob", 0, 5 * M),
        D("B", CaseDurationKind.Close, "carol", 0, 30 * M),
        D("B", CaseDurationKind.Close, "dave", 40 * M, 90 * M),
        D("C", CaseDurationKind.FirstChange, "erin", 10 * M, 25 * M),
        D("C", CaseDurationKind.Close, "erin", 10 * M, 25 * M),
        D("E", CaseDurationKind.Close, "gina", 50 * M, 80 * M),
    ];

    private static IOrderedEnumerable<CaseDuration> Ordered(IEnumerable<CaseDuration> d) => d.OrderBy(x => x.CaseId, StringComparer.Ordinal).ThenBy(x => x.EndMs).ThenBy(x => x.Kind);

    [Fact]
    public void Each_case_history_gives_the_hand_computed_durations()
    {
        var all = Polls.SelectMany(p => p).GroupBy(s => s.CaseId).SelectMany(g => Rules.Of(g));
        Assert.Equal(Ordered(Expected), Ordered(all));
    }

    [Fact]
    public void Recorded_poll_by_poll_across_a_restart_each_duration_is_kept_once_and_the_report_has_the_figures_per_owner()
    {
        var path = _dir.File("analytics.db");
        var first = new CaseHistoryStore(path, Rules);
        var added = Polls.Take(4).SelectMany(p => first.Record(p)).ToList();
        var second = new CaseHistoryStore(path, Rules);   // a restart: the history is in the file
        added.AddRange(Polls.Skip(4).SelectMany(p => second.Record(p)));
        // The look-back reads everything again: nothing new.
        Assert.Empty(Polls.SelectMany(p => second.Record(p)));

        Assert.Equal(Ordered(Expected), Ordered(added));
        Assert.Equal(Ordered(Expected), Ordered(second.Durations()));
        // A duration belongs to the period it ended in: [0, 45m) has A's first change, B's first change and carol's close, and C's two.
        var inPeriod = CaseHistoryStore.ReadDurations(path, Base, Base + (45 * M)).Select(d => $"{d.CaseId} {d.Kind}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["A FirstChange", "B Close", "B FirstChange", "C Close", "C FirstChange"], inPeriod);

        var report = CaseReport.Build(path, DateTimeOffset.FromUnixTimeMilliseconds(Base), DateTimeOffset.FromUnixTimeMilliseconds(Base + (200 * M)));
        Assert.Equal(["alice", "bob", "carol", "dave", "erin", "gina"], report.Owners.Select(o => o.Owner).ToArray());
        var figures = report.Owners.ToDictionary(o => o.Owner);
        Assert.Equal(new DurationStats(1, 3600, 3600, 3600), figures["alice"].TimeToClose);
        Assert.Equal(new DurationStats(1, 600, 600, 600), figures["alice"].TimeToFirstStageChange);
        Assert.Equal(new DurationStats(0, null, null, null), figures["bob"].TimeToClose);
        Assert.Equal(new DurationStats(1, 300, 300, 300), figures["bob"].TimeToFirstStageChange);
        Assert.Equal(new DurationStats(1, 1800, 1800, 1800), figures["carol"].TimeToClose);
        Assert.Equal(new DurationStats(1, 3000, 3000, 3000), figures["dave"].TimeToClose);
        Assert.Equal(new DurationStats(1, 900, 900, 900), figures["erin"].TimeToClose);
        Assert.Equal(new DurationStats(1, 1800, 1800, 1800), figures["gina"].TimeToClose);
        Assert.Equal(0, figures["gina"].TimeToFirstStageChange.Count);
    }

    [Fact]
    public void Several_closes_of_one_owner_give_median_p90_and_mean_as_computed_by_hand()
    {
        // Owner olga closes four cases in 10, 20, 30 and 100 minutes.
        var path = _dir.File("analytics.db");
        var store = new CaseHistoryStore(path, Rules);
        long[] minutes = [10, 20, 30, 100];
        store.Record([.. minutes.Select((m, i) => S($"K{i}", 1, 1 + (m * M), "CLOSED", "olga"))]);
        var olga = Assert.Single(CaseReport.Build(path, DateTimeOffset.FromUnixTimeMilliseconds(Base), DateTimeOffset.FromUnixTimeMilliseconds(Base + (1000 * M))).Owners);
        // Sorted 600, 1200, 1800, 6000 s: median (1200+1800)/2 = 1500; p90 rank 2.7 → 1800 + 0.7 × 4200 = 4740; mean 9600/4 = 2400.
        Assert.Equal(4, olga.TimeToClose.Count);
        Assert.Equal(1500, olga.TimeToClose.MedianSeconds);
        Assert.Equal(4740, olga.TimeToClose.P90Seconds!.Value, 6);
        Assert.Equal(2400, olga.TimeToClose.MeanSeconds);
    }

    [Fact]
    public void The_report_shows_the_case_section_in_table_csv_json_and_html_and_nothing_without_case_history()
    {
        var path = _dir.File("analytics.db");
        var analytics = new AnalyticsStore(path);
        new CaseHistoryStore(path, Rules).Record([S("A", 0, 30 * M, "CLOSED", "=alice")]);
        var report = AnalystReport.Build(analytics, DateTimeOffset.FromUnixTimeMilliseconds(Base), DateTimeOffset.FromUnixTimeMilliseconds(Base + (100 * M)));

        var table = ReportText.ToTable(report);
        Assert.Contains("ESM cases per owner", table, StringComparison.Ordinal);
        Assert.Matches(@"=alice\s+1\s+30m 00s", table);
        var csv = ReportText.ToCsv(report);
        Assert.Contains("\r\n\r\ncase_owner,close_count,close_median_seconds", csv, StringComparison.Ordinal);
        Assert.Contains("'=alice,1,1800,1800,1800,1,1800,1800,1800\r\n", csv, StringComparison.Ordinal);   // a formula-looking owner is defused
        using var json = JsonDocument.Parse(ReportText.ToJson(report));
        var owner = json.RootElement.GetProperty("cases").GetProperty("owners")[0];
        Assert.Equal("=alice", owner.GetProperty("owner").GetString());
        Assert.Equal(1800, owner.GetProperty("timeToClose").GetProperty("medianSeconds").GetDouble());
        var html = ReportHtml.Render(report);
        Assert.Contains("ESM cases per owner", html, StringComparison.Ordinal);
        Assert.Contains("\"cases\":", html, StringComparison.Ordinal);

        var empty = AnalystReport.Build(new AnalyticsStore(_dir.File("other.db")), DateTimeOffset.FromUnixTimeMilliseconds(Base), DateTimeOffset.FromUnixTimeMilliseconds(Base + (100 * M)));
        Assert.DoesNotContain("ESM cases", ReportText.ToTable(empty), StringComparison.Ordinal);
        Assert.DoesNotContain("case_owner", ReportText.ToCsv(empty), StringComparison.Ordinal);
    }
}
