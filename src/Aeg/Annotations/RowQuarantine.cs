using Aeg.State;
using Serilog;

namespace Aeg.Annotations;

/// <summary>
/// Sets aside a row that cannot be sent, so that one bad row never stops the rows behind it: written to
/// the state directory's quarantine (before the cursor moves past it) for <c>aeg quarantine retry</c>,
/// counted, and said once per row with its event id.
/// </summary>
internal sealed class RowQuarantine(QuarantineFile? file, AnnotationCounters counters, ILogger log, TimeProvider time)
{
    public void Add(AnnotationRow row, string reason)
    {
        counters.RowQuarantined(row.EventId, row.Version, reason);
        log.Warning("Event {EventId} version {Version} cannot be sent and is quarantined: {Reason}; the rows after it go on (aeg quarantine list)",
            row.EventId, row.Version, reason);
        file?.Add(new QuarantinedRow(row.EventId, row.Version, row.ModificationTimeMs, reason, time.GetUtcNow()));
    }
}
