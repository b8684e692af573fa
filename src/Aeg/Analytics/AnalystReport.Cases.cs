using Aeg.Analytics.Cases;

namespace Aeg.Analytics;

/// <summary>The ESM case section of the report (its own file: the analyst sections are built in AnalystReport.cs).</summary>
public sealed partial record AnalystReport
{
    /// <summary>Time to close and to the first stage change of ESM cases, per owner (empty without case history).</summary>
    public CaseReport Cases { get; init; } = new([]);
}
