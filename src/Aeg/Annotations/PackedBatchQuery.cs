using Aeg.Configuration;

namespace Aeg.Annotations;

/// <summary>
/// The SQL of <c>source.fetch: packed</c>: MariaDB/MySQL concatenates a range of rows into one byte string
/// (<c>GROUP_CONCAT</c>), so the driver handles one result row per chunk instead of one per annotation row,
/// which is where MySql.Data spends most of its time. <see cref="PackedRowDecoder"/> reads it back.
/// </summary>
/// <remarks>
/// Per row, every selected column in select order: integers as <c>digits,</c>, text as
/// <c>bytelength:utf8bytes</c> (converted to utf8mb4 first so the length counts the bytes sent), NULL as
/// <c>N</c>; unambiguous for any value. DATETIME times are turned into epoch milliseconds by the server, the
/// same value the row reader computes (the stored time read as UTC, floored to the millisecond).
/// </remarks>
internal sealed class PackedBatchQuery
{
    public PackedBatchQuery(SourceOptions source, AnnotationQuery query, bool ids)
    {
        var c = source.Columns;
        var mt = $"a.{AnnotationQuery.Q(c.ModificationTime)}";
        var id = $"a.{AnnotationQuery.Q(c.EventId)}";
        var table = AnnotationQuery.QTable(source.Table);
        var after = $"(({mt} > @t) OR ({mt} = @t AND {id} > @id))";
        UserIds = ids && source.UserLookup is not null;
        StageIds = ids && source.StageLookup is not null;

        var (columns, from) = query.Columns(joins: !ids, query.Used);
        Kinds = new PackedKind[columns.Length];
        var parts = new List<string>();
        for (var i = 0; i < columns.Length; i++)
        {
            Kinds[i] = columns[i] == "NULL" ? PackedKind.Absent : KindOf(i);
            switch (Kinds[i])
            {
                case PackedKind.Integer:
                    var value = IsTime(i) && source.TimeKind == TimeKind.Datetime
                        ? $"FLOOR(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {columns[i]}) / 1000)"
                        : columns[i];
                    parts.Add($"IFNULL(CONCAT({value}, ','), 'N')");
                    break;
                case PackedKind.Text:
                    var text = $"CONVERT({columns[i]} USING utf8mb4)";
                    parts.Add($"IFNULL(CONCAT(LENGTH({text}), ':', {text}), 'N')");
                    break;
            }
        }
        var packed = $"SELECT COUNT(*), CAST(GROUP_CONCAT(CONCAT({string.Join(", ", parts)}) ORDER BY {mt}, {id} SEPARATOR '') AS BINARY) " +
            $"FROM {table} a{from} WHERE {after}";
        Bounded = $"{packed} AND (({mt} < @et) OR ({mt} = @et AND {id} <= @eid))";
        Open = packed;
        EndKey = $"SELECT {mt}, {id} FROM {table} a WHERE {after} ORDER BY {mt}, {id} LIMIT 1 OFFSET @skip";

        PackedKind KindOf(int ordinal) => ordinal switch
        {
            AnnotationQuery.ModifiedBy or AnnotationQuery.StageUser => UserIds ? PackedKind.Integer : PackedKind.Text,
            AnnotationQuery.StageName => StageIds ? PackedKind.Integer : PackedKind.Text,
            AnnotationQuery.StageUri or AnnotationQuery.CurrentComment or AnnotationQuery.AuditTrail => PackedKind.Text,
            _ => PackedKind.Integer,
        };
    }

    /// <summary>The (mt, id) of the row <c>@skip</c> rows after the first one after the cursor (@t, @id); no row when fewer remain.</summary>
    public string EndKey { get; }
    /// <summary>COUNT(*) and the packed rows after the cursor (@t, @id) up to and including the key (@et, @eid).</summary>
    public string Bounded { get; }
    /// <summary>COUNT(*) and the packed rows after the cursor (@t, @id), all of them.</summary>
    public string Open { get; }
    /// <summary>The encoding of each select ordinal.</summary>
    public PackedKind[] Kinds { get; }
    public bool UserIds { get; }
    /// <summary>The most bytes one row can take packed (from the columns' declared sizes), once known.</summary>
    public long? RowBound { get; set; }
    public bool StageIds { get; }

    private static bool IsTime(int ordinal) => ordinal is AnnotationQuery.ModificationTime or AnnotationQuery.StageUpdateTime
        or AnnotationQuery.EndTime or AnnotationQuery.ManagerReceiptTime;
}
