namespace Aeg.Analytics;

/// <summary>
/// What a SOC manager tracks beside the three durations (issue 20 item 4): the open backlog at the
/// report's end, SLA breaches, re-opens, detection to close, weekly trends and load by hour.
/// </summary>
public sealed record ManagementFigures(OpenBacklog Backlog, List<SlaFigures> Sla, List<SlaFigures> SlaTotals);

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
