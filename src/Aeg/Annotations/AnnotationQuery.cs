using System.Text;
using Aeg.Configuration;

namespace Aeg.Annotations;

/// <summary>Builds the SQL the poller runs from <see cref="SourceOptions"/> (names are validated identifiers).</summary>
public sealed class AnnotationQuery
{
    /// <summary>Ordinals of the selected columns, in select order.</summary>
    internal const int EventId = 0, Version = 1, ModificationTime = 2, ModifiedBy = 3, StageName = 4, StageUri = 5,
        StageUser = 6, StageUpdateTime = 7, CurrentComment = 8, AuditTrail = 9, Flags = 10, EndTime = 11, ManagerReceiptTime = 12;

    /// <summary>
    /// After the columns, in a query with lookup joins only: which joined ids are not NULL (1 stage, 2 modified by,
    /// 4 stage user), so that a NULL name tells an id the lookup did not find from no id at all. Last, so the
    /// ordinals before it stay, and read only for a row with a NULL name.
    /// </summary>
    internal const int IdsPresent = 13;
    internal const int StagePresent = 1, ModifiedByPresent = 2, StageUserPresent = 4;

    private readonly SourceOptions _source;

    /// <param name="source">Table, columns and lookups.</param>
    /// <param name="used">
    /// The fields the CEF mapping writes; the batch queries (<see cref="AfterIds"/>, <see cref="AfterJoined"/>)
    /// select NULL for the others, which saves the database and the driver their per-row work. Null: all.
    /// </param>
    public AnnotationQuery(SourceOptions source, IReadOnlySet<AnnotationField>? used = null)
    {
        _source = source;
        Used = used;
        var c = source.Columns;
        var mt = $"a.{Q(c.ModificationTime)}";
        var id = $"a.{Q(c.EventId)}";
        var keyset = $"WHERE ({mt} > @t) OR ({mt} = @t AND {id} > @id) ORDER BY {mt}, {id} LIMIT @batch";
        var all = Select(joins: true, used: null);
        bool Uses(AnnotationField f) => used is null || used.Contains(f);
        SelectsModifiedBy = !string.IsNullOrEmpty(c.ModifiedBy) && Uses(AnnotationField.ModifiedBy);
        SelectsStageUser = !string.IsNullOrEmpty(c.StageUser) && Uses(AnnotationField.StageUser);
        SelectsStage = !string.IsNullOrEmpty(c.Stage);

        // The OR form (not a row comparison) lets MySQL/MariaDB use a range scan on (mt, id).
        After = $"{all} {keyset}";
        AfterJoined = $"{Select(joins: true, used)} {keyset}";
        AfterIds = $"{Select(joins: false, used)} {keyset}";
        Window = $"{all} WHERE {mt} >= @from AND (({mt} < @t) OR ({mt} = @t AND {id} <= @id)) ORDER BY {mt}, {id}";
        Count = $"SELECT COUNT(*) FROM {QTable(source.Table)}";
        CountAfter = $"SELECT COUNT(*) FROM {QTable(source.Table)} a WHERE ({mt} > @t) OR ({mt} = @t AND {id} > @id)";
        Newest = $"{all} ORDER BY {mt} DESC, {id} DESC LIMIT 1";
        ByEventId = $"{all} WHERE {id} = @id";
        WithoutTime = $"SELECT COUNT(*), MIN({id}) FROM {QTable(source.Table)} a WHERE {mt} <= @zero OR {mt} IS NULL";
    }

    /// <summary>The next batch after the cursor (@t, @id, @batch), every column, names resolved by joins.</summary>
    public string After { get; }
    /// <summary>Like <see cref="After"/> but only the mapped columns.</summary>
    public string AfterJoined { get; }
    /// <summary>
    /// Like <see cref="AfterJoined"/> but without the lookup joins: the stage and user columns come back as
    /// their ids (the stage URI as NULL), resolved afterwards through <see cref="Lookup"/> and a cache.
    /// </summary>
    public string AfterIds { get; }
    /// <summary>The fields the CEF mapping writes (null: all).</summary>
    internal IReadOnlySet<AnnotationField>? Used { get; }
    /// <summary>Whether the batch queries select these columns (else NULL).</summary>
    internal bool SelectsModifiedBy { get; }
    internal bool SelectsStageUser { get; }
    internal bool SelectsStage { get; }
    /// <summary>Rows at or behind the cursor but inside the look-back window (@from, @t, @id).</summary>
    public string Window { get; }
    public string Count { get; }
    /// <summary>Rows after the cursor (@t, @id): the size of a backlog, for drain progress.</summary>
    public string CountAfter { get; }
    public string Newest { get; }
    /// <summary>How many rows have modification time 0 (@zero) or NULL, and the smallest of their event ids.</summary>
    public string WithoutTime { get; }
    /// <summary>The row of one event (@id), every column: for <c>aeg quarantine retry</c>.</summary>
    public string ByEventId { get; }

    /// <summary>Id, name and URI (or NULL) of the resources in <paramref name="ids"/> (integers, so inlined).</summary>
    public static string Lookup(LookupOptions lookup, IEnumerable<long> ids)
    {
        var uri = string.IsNullOrEmpty(lookup.UriColumn) ? "NULL" : Q(lookup.UriColumn);
        var list = string.Join(',', ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return $"SELECT {Q(lookup.IdColumn)}, {Q(lookup.NameColumn)}, {uri} FROM {QTable(lookup.Table)} WHERE {Q(lookup.IdColumn)} IN ({list})";
    }

    private string Select(bool joins, IReadOnlySet<AnnotationField>? used)
    {
        var (columns, from) = Columns(joins, used);
        return $"SELECT {string.Join(", ", columns)} FROM {QTable(_source.Table)} a{from}";
    }

    /// <summary>
    /// The select expressions in ordinal order ("NULL" for a column not read), then <see cref="IdsPresent"/> when
    /// there are lookup joins, and the joins after the table.
    /// </summary>
    internal (string[] Columns, string From) Columns(bool joins, IReadOnlySet<AnnotationField>? used)
    {
        var source = _source;
        var c = source.Columns;
        bool Uses(params AnnotationField[] fields) => used is null || fields.Any(used.Contains);
        var from = new StringBuilder();
        var present = new List<string>();
        string UserName(string? column, string alias, bool needed, int bit)
        {
            if (string.IsNullOrEmpty(column) || !needed)
            {
                return "NULL";
            }
            if (source.UserLookup is not { } u || !joins)
            {
                return $"a.{Q(column)}";
            }
            from.Append($" LEFT JOIN {QTable(u.Table)} {alias} ON {alias}.{Q(u.IdColumn)} = a.{Q(column)}");
            present.Add($"{bit} * (a.{Q(column)} IS NOT NULL)");
            return $"{alias}.{Q(u.NameColumn)}";
        }
        // The stage is always read: the CEF severity depends on it.
        string stageName, stageUri;
        if (string.IsNullOrEmpty(c.Stage))
        {
            stageName = stageUri = "NULL";
        }
        else if (source.StageLookup is { } s && joins)
        {
            from.Append($" LEFT JOIN {QTable(s.Table)} st ON st.{Q(s.IdColumn)} = a.{Q(c.Stage)}");
            stageName = $"st.{Q(s.NameColumn)}";
            stageUri = string.IsNullOrEmpty(s.UriColumn) ? "NULL" : $"st.{Q(s.UriColumn)}";
            present.Add($"{StagePresent} * (a.{Q(c.Stage)} IS NOT NULL)");
        }
        else
        {
            stageName = $"a.{Q(c.Stage)}";
            stageUri = "NULL";
        }
        string Col(string? column, bool needed) => string.IsNullOrEmpty(column) || !needed ? "NULL" : $"a.{Q(column)}";
        string[] columns =
        [
            $"a.{Q(c.EventId)}", $"a.{Q(c.Version)}", $"a.{Q(c.ModificationTime)}",
            UserName(c.ModifiedBy, "mu", Uses(AnnotationField.ModifiedBy), ModifiedByPresent), stageName, stageUri,
            UserName(c.StageUser, "su", Uses(AnnotationField.StageUser), StageUserPresent), Col(c.StageUpdateTime, Uses(AnnotationField.StageUpdateTime)),
            Col(c.CurrentComment, Uses(AnnotationField.CurrentComment)), Col(c.AuditTrail, Uses(AnnotationField.AuditTrail)),
            Col(c.Flags, Uses(AnnotationField.Flags, AnnotationField.FlagLabels)), Col(c.EndTime, Uses(AnnotationField.EndTime)),
            Col(c.ManagerReceiptTime, Uses(AnnotationField.ManagerReceiptTime)),
        ];
        if (present.Count > 0)
        {
            columns = [.. columns, string.Join(" + ", present)];
        }
        return (columns, from.ToString());
    }

    internal static string Q(string name) => $"`{name}`";

    internal static string QTable(string name) => string.Join('.', name.Split('.').Select(Q));
}
