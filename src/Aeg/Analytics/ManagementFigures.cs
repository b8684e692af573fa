namespace Aeg.Analytics;

/// <summary>
/// What a SOC manager tracks beside the three durations (issue 20 item 4): the open backlog at the
/// report's end, SLA breaches, re-opens, detection to close, weekly trends and load by hour.
/// </summary>
public sealed record ManagementFigures(OpenBacklog Backlog, List<SlaFigures> Sla, List<SlaFigures> SlaTotals, ReopenSummary Reopens,
    DetectionToCloseSummary DetectionToClose, List<WeeklyFigures> Weekly, LoadFigures Load);

/// <summary>
/// One analyst's ISO week (UTC; weeks cut by the period's ends hold only its part): stage changes
/// made, and per measure the durations that ended, their mean, and SLA breaches (null without a target).
/// </summary>
public sealed record WeeklyFigures(string Week, string WeekStart, string Analyst, int Actions,
    int RespondCount, double? RespondMeanSeconds, int? RespondBreaches,
    int ReviewCount, double? ReviewMeanSeconds, int? ReviewBreaches,
    int CloseCount, double? CloseMeanSeconds, int? CloseBreaches);

/// <summary>
/// Stage changes made in the period by UTC hour of day and ISO day of week: <see cref="DayHour"/>
/// is 7 rows (Monday first) of 24 hours for all analysts; per analyst, by day and by hour.
/// </summary>
public sealed record LoadFigures(List<int[]> DayHour, List<AnalystLoad> Analysts);

/// <summary>One analyst's stage changes by ISO day of week (Monday first) and by UTC hour of day.</summary>
public sealed record AnalystLoad(string Analyst, int[] ByDay, int[] ByHour);

/// <summary>
/// Closes made in the period (a non-final stage into a final one) and re-opens made in it (a final
/// stage back to a non-final one), each re-open charged to the analyst whose close it undid.
/// </summary>
public sealed record ReopenSummary(int Closes, int Reopens, int Unattributed, double? ReopenRate, List<ReopenFigures> Analysts);

/// <summary>One analyst's closes in the period, the re-opens charged to them in it, and the share.</summary>
public sealed record ReopenFigures(string Analyst, int Closes, int Reopens, double? ReopenRate);

/// <summary>From each event's MRT to its final close in the period (re-opens included), overall and per closing analyst.</summary>
public sealed record DetectionToCloseSummary(DurationStats All, List<AnalystStats> Analysts);

/// <summary>One analyst's figures of one measure.</summary>
public sealed record AnalystStats(string Analyst, DurationStats Time);

/// <summary>
/// One SLA target's figures in the period for one analyst (null: all analysts): how many durations
/// of the measure ended in the period, how many were longer than the target, and that share.
/// </summary>
public sealed record SlaFigures(string? Analyst, string Measure, double TargetSeconds, int Count, int Breaches, double? BreachRate);

/// <summary>One age band of the open backlog: events open at the report's end whose MRT is [From, To) seconds old.</summary>
public sealed record BacklogBand(string Label, double FromSeconds, double? ToSeconds, int Open, int Untouched);

/// <summary>An open event listed in the backlog: its stage at the report's end, its age then (from its MRT) and who last moved it.</summary>
public sealed record BacklogEvent(long EventId, string Stage, double AgeSeconds, string? LastAnalyst);

/// <summary>
/// The events not closed at the report's end (<see cref="At"/>), by age: counted in bands, the
/// oldest untouched (never moved out of the initial stage) and the oldest open listed.
/// </summary>
public sealed record OpenBacklog(DateTimeOffset At, int Open, int Untouched, int OpenWithoutMrt, List<BacklogBand> Bands,
    List<BacklogEvent> OldestUntouched, List<BacklogEvent> OldestOpen);
