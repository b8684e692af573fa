using Aeg.Annotations;

namespace Aeg.Analytics;

/// <summary>The fields of one sent annotation row that analyst metrics need, copied (the poller reuses its rows).</summary>
public sealed record AnalyticsRow(long EventId, long Version, long ModificationTimeMs, string? ModifiedBy, string? Stage,
    long? Flags, long? ManagerReceiptTimeMs, string? AuditTrail)
{
    /// <summary>Copies a row; the stage is its name, or the last part of its URI when only that is known.</summary>
    public static AnalyticsRow From(AnnotationRow row) => new(row.EventId, row.Version, row.ModificationTimeMs, row.ModifiedBy,
        StageName(row.StageName, row.StageUri), row.Flags, row.ManagerReceiptTimeMs, row.AuditTrail);

    private static string? StageName(string? name, string? uri)
    {
        if (!string.IsNullOrEmpty(name))
        {
            return name;
        }
        if (string.IsNullOrEmpty(uri))
        {
            return null;
        }
        var slash = uri.TrimEnd('/').LastIndexOf('/');
        return slash >= 0 ? uri.TrimEnd('/')[(slash + 1)..] : uri;
    }
}
