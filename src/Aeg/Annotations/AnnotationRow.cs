namespace Aeg.Annotations;

/// <summary>One row of the annotation table with names resolved; reused from row to row.</summary>
public sealed class AnnotationRow
{
    public long EventId { get; set; }
    public long Version { get; set; }
    public long ModificationTimeMs { get; set; }
    public string? ModifiedBy { get; set; }
    public string? StageName { get; set; }
    public string? StageUri { get; set; }
    public string? StageUser { get; set; }
    public long? StageUpdateTimeMs { get; set; }
    public string? CurrentComment { get; set; }
    public string? AuditTrail { get; set; }
    public long? Flags { get; set; }
    public long? EndTimeMs { get; set; }
    public long? ManagerReceiptTimeMs { get; set; }
    /// <summary>Versions missed since the last one seen for this event (set by the gap detector).</summary>
    public long MissedVersions { get; set; }

    // Resource ids read instead of names when the lookup is resolved by the source's cache.
    internal long? ModifiedById;
    internal long? StageId;
    internal long? StageUserId;
}
