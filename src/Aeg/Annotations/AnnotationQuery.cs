using System.Text;
using Aeg.Configuration;

namespace Aeg.Annotations;

/// <summary>Builds the SQL the poller runs from <see cref="SourceOptions"/> (names are validated identifiers).</summary>
public sealed class AnnotationQuery
{
    /// <summary>Ordinals of the selected columns, in select order.</summary>
    internal const int EventId = 0, Version = 1, ModificationTime = 2, ModifiedBy = 3, StageName = 4, StageUri = 5,
        StageUser = 6, StageUpdateTime = 7, CurrentComment = 8, AuditTrail = 9, Flags = 10, EndTime = 11, ManagerReceiptTime = 12;

    public AnnotationQuery(SourceOptions source)
    {
        var c = source.Columns;
        var mt = $"a.{Q(c.ModificationTime)}";
        var id = $"a.{Q(c.EventId)}";
        var joins = new StringBuilder();
        string UserName(string? column, string alias)
        {
            if (string.IsNullOrEmpty(column))
            {
                return "NULL";
            }
            if (source.UserLookup is not { } u)
            {
                return $"a.{Q(column)}";
            }
            joins.Append($" LEFT JOIN {QTable(u.Table)} {alias} ON {alias}.{Q(u.IdColumn)} = a.{Q(column)}");
            return $"{alias}.{Q(u.NameColumn)}";
        }
        string stageName, stageUri;
        if (string.IsNullOrEmpty(c.Stage))
        {
            stageName = stageUri = "NULL";
        }
        else if (source.StageLookup is { } s)
        {
            joins.Append($" LEFT JOIN {QTable(s.Table)} st ON st.{Q(s.IdColumn)} = a.{Q(c.Stage)}");
            stageName = $"st.{Q(s.NameColumn)}";
            stageUri = string.IsNullOrEmpty(s.UriColumn) ? "NULL" : $"st.{Q(s.UriColumn)}";
        }
        else
        {
            stageName = $"a.{Q(c.Stage)}";
            stageUri = "NULL";
        }
        string Col(string? column) => string.IsNullOrEmpty(column) ? "NULL" : $"a.{Q(column)}";
        var select = $"SELECT {id}, a.{Q(c.Version)}, {mt}, {UserName(c.ModifiedBy, "mu")}, {stageName}, {stageUri}, " +
            $"{UserName(c.StageUser, "su")}, {Col(c.StageUpdateTime)}, {Col(c.CurrentComment)}, {Col(c.AuditTrail)}, " +
            $"{Col(c.Flags)}, {Col(c.EndTime)}, {Col(c.ManagerReceiptTime)} FROM {QTable(source.Table)} a{joins}";

        // The OR form (not a row comparison) lets MySQL/MariaDB use a range scan on (mt, id).
        After = $"{select} WHERE ({mt} > @t) OR ({mt} = @t AND {id} > @id) ORDER BY {mt}, {id} LIMIT @batch";
        Window = $"{select} WHERE {mt} >= @from AND (({mt} < @t) OR ({mt} = @t AND {id} <= @id)) ORDER BY {mt}, {id}";
        Count = $"SELECT COUNT(*) FROM {QTable(source.Table)}";
        Newest = $"{select} ORDER BY {mt} DESC, {id} DESC LIMIT 1";
    }

    /// <summary>The next batch after the cursor (@t, @id, @batch).</summary>
    public string After { get; }
    /// <summary>Rows at or behind the cursor but inside the look-back window (@from, @t, @id).</summary>
    public string Window { get; }
    public string Count { get; }
    public string Newest { get; }

    private static string Q(string name) => $"`{name}`";

    private static string QTable(string name) => string.Join('.', name.Split('.').Select(Q));
}
