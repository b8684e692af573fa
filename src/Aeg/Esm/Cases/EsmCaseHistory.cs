using System.Globalization;
using System.Text.Json;
using Aeg.Analytics.Cases;
using Serilog;

namespace Aeg.Esm.Cases;

/// <summary>
/// Feeds what the case poller reads into the analyst metrics: each case's stage, owner (<c>esm.cases.ownerField</c>) and
/// modification time per poll, kept in <see cref="CaseHistoryStore"/>. A failure to record is logged and does not stop
/// ticketing (the next poll's look-back, or the case's next change, records it).
/// </summary>
public sealed class EsmCaseHistory(CaseHistoryStore store, string ownerField, ILogger log)
{
    /// <summary>The owner recorded when the case has no <c>ownerField</c>.</summary>
    public const string NoOwner = "(none)";

    /// <summary>Case durations recorded since start (for the log and tests).</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    private long _recorded;

    /// <summary>The durations as histograms for /metrics.</summary>
    public CaseHistograms Histograms { get; } = new(store);

    /// <summary>
    /// The history of <c>analytics.databasePath</c> (default <c>analytics.db</c> in the state directory); closed stages are
    /// <c>analytics.finalStages</c> and <c>esm.cases.closeStage</c>, the initial stage <c>analytics.initialStage</c> (all compared
    /// without case: ESM's case stages are QUEUED … CLOSED). Null when <c>analytics.enabled</c> is false.
    /// </summary>
    public static EsmCaseHistory? Create(Aeg.Analytics.AnalyticsOptions analytics, string stateDirectory, EsmCaseOptions cases, ILogger log)
    {
        if (!analytics.Enabled)
        {
            return null;
        }
        var closed = analytics.FinalStages.Concat(cases.CloseStage is { Length: > 0 } s ? [s] : Array.Empty<string>());
        return new EsmCaseHistory(new CaseHistoryStore(analytics.DatabaseFile(stateDirectory), new CaseDurations(closed, analytics.InitialStage)), cases.OwnerField, log);
    }

    /// <summary>The snapshot of <paramref name="c"/>; null when it has no modification time (it cannot be placed in the history).</summary>
    public CaseSnapshot? Snapshot(EsmCase c) => c.ModifiedMs <= 0 ? null
        : new CaseSnapshot(c.Id, Millis(c.Json, "createdTimestamp"), c.ModifiedMs, c.Text("stage") is { Length: > 0 } stage ? stage : "QUEUED",
            c.Text(ownerField) is { Length: > 0 } owner ? owner : NoOwner);

    /// <summary>Records the snapshots of one poll.</summary>
    public void Record(IEnumerable<EsmCase> cases)
    {
        try
        {
            var added = store.Record([.. cases.Select(Snapshot).OfType<CaseSnapshot>()]);
            Interlocked.Add(ref _recorded, added.Count);
            Histograms.Observe(added);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
        {
            log.Warning("ESM cases: the case history of the analyst metrics was not recorded ({Path}): {Reason}", store.Path, ex.Message);
        }
    }

    private static long Millis(JsonElement json, string name) => json.TryGetProperty(name, out var v) switch
    {
        true when v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var ms) && ms > 0 => ms,
        true when v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0 => ms,
        _ => 0,
    };
}
