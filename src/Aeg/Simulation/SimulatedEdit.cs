namespace Aeg.Simulation;

/// <summary>The default ESM stages and the site stage <c>re-image</c> the simulator uses, in workflow order.</summary>
public enum SimulatedStage { Queued, Initial, FollowUp, ReImage, Final, Closed }

/// <summary>The flag bits the simulator sets; their labels are the example labels of cef-mappings.yaml.</summary>
[Flags]
public enum SimulatedFlags { None = 0, IsReviewed = 1, InCase = 2, IsIgnored = 4 }

/// <summary>
/// One analyst action at a simulated time: a new event arriving in Queued (<see cref="Analyst"/>
/// null), or an edit of stage, comment or flags. <see cref="Comment"/> null keeps the comment.
/// </summary>
public sealed record SimulatedEdit(
    TimeSpan At,
    long EventNumber,
    bool IsNew,
    string? Analyst,
    SimulatedStage Stage,
    bool StageChanged,
    string? Comment,
    SimulatedFlags Flags,
    bool FinishesEvent);

/// <summary>Names ESM shows for the simulated stages.</summary>
public static class SimulatedStages
{
    public static string Name(SimulatedStage stage) => stage switch
    {
        SimulatedStage.FollowUp => "Follow-Up",
        SimulatedStage.ReImage => "re-image",
        _ => stage.ToString(),
    };
}
