using System.Globalization;

namespace Aeg.Analytics;

/// <summary>One line of an annotation's audit trail: a stage change at a time by a user.</summary>
public readonly record struct AuditLine(long TimeMs, string User, string Stage);

/// <summary>
/// Reads the <c>audit_trail</c> column: lines of 8 comma-separated fields, newest first
/// (field 2 epoch ms, field 3 user, field 4 short stage name), ending in \n, \r\n or nothing.
/// </summary>
public static class AuditTrail
{
    /// <summary>The column's size in ESM (bytes); older lines fall off when it is full.</summary>
    public const int Capacity = 2048;

    /// <summary>
    /// True when the column is close enough to full that older lines may have been cut off (a
    /// line is well under 128 bytes).
    /// </summary>
    public static bool MayBeTruncated(string? text) => text is not null && System.Text.Encoding.UTF8.GetByteCount(text) > Capacity - 128;

    /// <summary>The readable lines, oldest first; malformed lines are skipped (the column is truncated at 2048 bytes).</summary>
    public static List<AuditLine> Parse(string? text)
    {
        var lines = new List<AuditLine>();
        if (string.IsNullOrEmpty(text))
        {
            return lines;
        }
        foreach (var raw in text.Split('\n'))
        {
            var fields = raw.TrimEnd('\r').Split(',');
            if (fields.Length < 4 || string.IsNullOrWhiteSpace(fields[3])
                || !long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var time))
            {
                continue;
            }
            lines.Add(new AuditLine(time, fields[2].Trim(), fields[3].Trim()));
        }
        // Newest first in the column; a stable sort keeps the column's order for equal times.
        lines.Reverse();
        return [.. lines.OrderBy(l => l.TimeMs)];
    }
}
