using System.Buffers.Text;
using System.Text;

namespace Aeg.Annotations;

/// <summary>How one selected column is written into a packed batch (see <see cref="PackedBatchQuery"/>).</summary>
internal enum PackedKind : byte
{
    /// <summary>Not selected: always NULL, takes no bytes.</summary>
    Absent,
    /// <summary>A decimal integer and a comma (<c>-12,</c>), or <c>N</c> for NULL.</summary>
    Integer,
    /// <summary>The UTF-8 byte length, a colon and the bytes (<c>3:abc</c>), or <c>N</c> for NULL.</summary>
    Text,
}

/// <summary>
/// Decodes the rows MariaDB packed into one byte string (<see cref="PackedBatchQuery"/>) into
/// <see cref="AnnotationRow"/>s, the way the row-by-row reader fills them (ids into the *Id fields for the
/// columns the source resolves itself).
/// </summary>
internal static class PackedRowDecoder
{
    /// <summary>
    /// Decodes up to <paramref name="max"/> rows of <paramref name="data"/> into <paramref name="rows"/> from
    /// <paramref name="start"/>; returns how many. False when the bytes do not hold <paramref name="count"/> whole
    /// rows (a string the server cut at group_concat_max_len, or not our encoding).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, long count, PackedKind[] kinds, bool userIds, bool stageIds, AnnotationRow[] rows, int start, int max,
        out int decoded)
    {
        decoded = 0;
        var take = (int)Math.Min(count, max);
        var pos = 0;
        for (var r = 0; r < take; r++)
        {
            var row = rows[start + r];
            for (var ordinal = 0; ordinal < kinds.Length; ordinal++)
            {
                switch (kinds[ordinal])
                {
                    case PackedKind.Absent:
                        Set(row, ordinal, userIds, stageIds, null, null);
                        break;
                    case PackedKind.Integer:
                        if (!TryInteger(data, ref pos, out var value))
                        {
                            return false;
                        }
                        if (value is null && ordinal is AnnotationQuery.EventId or AnnotationQuery.Version)
                        {
                            return false;
                        }
                        Set(row, ordinal, userIds, stageIds, value, null);
                        break;
                    default:
                        if (!TryText(data, ref pos, out var text))
                        {
                            return false;
                        }
                        Set(row, ordinal, userIds, stageIds, null, text);
                        break;
                }
            }
            row.MissedVersions = 0;
            if (!stageIds && row.StageName is null && row.StageUri is { } uri)
            {
                row.StageName = uri[(uri.LastIndexOf('/') + 1)..];
            }
        }
        // Every row taken and, when all were, nothing left over: a cut string fails one of the two.
        if (take == count && pos != data.Length)
        {
            return false;
        }
        decoded = take;
        return true;
    }

    private static bool TryInteger(ReadOnlySpan<byte> data, ref int pos, out long? value)
    {
        value = null;
        if (pos >= data.Length)
        {
            return false;
        }
        if (data[pos] == (byte)'N')
        {
            pos++;
            return true;
        }
        if (!Utf8Parser.TryParse(data[pos..], out long v, out var used) || pos + used >= data.Length || data[pos + used] != (byte)',')
        {
            return false;
        }
        pos += used + 1;
        value = v;
        return true;
    }

    private static bool TryText(ReadOnlySpan<byte> data, ref int pos, out string? text)
    {
        text = null;
        if (pos >= data.Length)
        {
            return false;
        }
        if (data[pos] == (byte)'N')
        {
            pos++;
            return true;
        }
        if (!Utf8Parser.TryParse(data[pos..], out int length, out var used) || length < 0 || pos + used >= data.Length
            || data[pos + used] != (byte)':' || data.Length - (pos + used + 1) < length)
        {
            return false;
        }
        pos += used + 1;
        text = Encoding.UTF8.GetString(data.Slice(pos, length));
        pos += length;
        return true;
    }

    // The same assignments as the row-by-row reader: ids into the *Id fields when the source resolves names itself.
    private static void Set(AnnotationRow row, int ordinal, bool userIds, bool stageIds, long? number, string? text)
    {
        switch (ordinal)
        {
            case AnnotationQuery.EventId: row.EventId = number ?? 0; break;
            case AnnotationQuery.Version: row.Version = number ?? 0; break;
            case AnnotationQuery.ModificationTime: row.ModificationTimeMs = number ?? 0; break;
            case AnnotationQuery.ModifiedBy:
                if (userIds) { row.ModifiedById = number; row.ModifiedBy = null; } else { row.ModifiedBy = text; }
                break;
            case AnnotationQuery.StageName:
                if (stageIds) { row.StageId = number; row.StageName = null; } else { row.StageName = text; }
                break;
            case AnnotationQuery.StageUri: row.StageUri = text; break;
            case AnnotationQuery.StageUser:
                if (userIds) { row.StageUserId = number; row.StageUser = null; } else { row.StageUser = text; }
                break;
            case AnnotationQuery.StageUpdateTime: row.StageUpdateTimeMs = number; break;
            case AnnotationQuery.CurrentComment: row.CurrentComment = text; break;
            case AnnotationQuery.AuditTrail: row.AuditTrail = text; break;
            case AnnotationQuery.Flags: row.Flags = number; break;
            case AnnotationQuery.EndTime: row.EndTimeMs = number; break;
            case AnnotationQuery.ManagerReceiptTime: row.ManagerReceiptTimeMs = number; break;
        }
    }
}
