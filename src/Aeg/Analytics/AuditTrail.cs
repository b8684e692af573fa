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
        Parse(text, lines, names: null);
        return lines;
    }

    /// <summary>
    /// Appends the readable lines to <paramref name="lines"/>, oldest first. User and stage names
    /// come from <paramref name="names"/> when given: a backlog repeats a few names millions of times.
    /// </summary>
    public static void Parse(string? text, List<AuditLine> lines, NamePool? names)
    {
        var first = lines.Count;
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf('\n');
            var raw = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (TryParseLine(raw.TrimEnd('\r'), names, out var line))
            {
                lines.Add(line);
            }
        }
        // Newest first in the column. Reversed, then a stable insertion sort by time (the lines
        // are nearly sorted already) keeps the column's order for equal times.
        lines.Reverse(first, lines.Count - first);
        for (var i = first + 1; i < lines.Count; i++)
        {
            var l = lines[i];
            var j = i - 1;
            while (j >= first && lines[j].TimeMs > l.TimeMs)
            {
                lines[j + 1] = lines[j];
                j--;
            }
            lines[j + 1] = l;
        }
    }

    private static bool TryParseLine(ReadOnlySpan<char> raw, NamePool? names, out AuditLine line)
    {
        line = default;
        Span<Range> fields = stackalloc Range[5];
        // At most 5 parts: the first four fields and the rest; a line needs four.
        if (raw.Split(fields, ',') < 4)
        {
            return false;
        }
        var stage = raw[fields[3]];
        if (stage.IsWhiteSpace() || !long.TryParse(raw[fields[1]], NumberStyles.Integer, CultureInfo.InvariantCulture, out var time))
        {
            return false;
        }
        line = new AuditLine(time, Name(raw[fields[2]].Trim(), names), Name(stage.Trim(), names));
        return true;
    }

    private static string Name(ReadOnlySpan<char> text, NamePool? names) => names is null ? text.ToString() : names.Get(text);
}

/// <summary>
/// Hands out one string per distinct short name (analysts, stages) instead of a new one per
/// audit line. Bounded: past its capacity it allocates like no pool at all.
/// </summary>
public sealed class NamePool(int capacity = 4096)
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The pooled string equal to <paramref name="text"/>.</summary>
    public string Get(ReadOnlySpan<char> text)
    {
        var lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var name))
        {
            return name;
        }
        name = text.ToString();
        if (_names.Count < capacity && text.Length <= 256)
        {
            _names.Add(name);
        }
        return name;
    }
}
