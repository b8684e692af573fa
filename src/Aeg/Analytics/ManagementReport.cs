namespace Aeg.Analytics;

/// <summary>Builds the manager's sections of a report (<see cref="ManagementFigures"/>) from the history.</summary>
public static class ManagementReport
{
    /// <summary>How many of the oldest open and oldest untouched events a report lists by default.</summary>
    public const int DefaultListSize = 10;

    /// <summary>The figures of [<paramref name="from"/>, <paramref name="to"/>); the backlog is the one open at <paramref name="to"/>.</summary>
    public static ManagementFigures Build(AnalyticsStore? store, DateTimeOffset from, DateTimeOffset to, AnalyticsOptions options, int listSize = DefaultListSize)
    {
        _ = from;
        var atMs = to.ToUnixTimeMilliseconds();
        var backlog = store?.ReadBacklog(atMs, options.InitialStage, options.FinalStages ?? [], listSize) ?? EmptyBacklog(to);
        return new ManagementFigures(backlog);
    }

    private static OpenBacklog EmptyBacklog(DateTimeOffset at) => new(at, 0, 0, 0, AnalyticsStore.BandList([]), [], []);
}
