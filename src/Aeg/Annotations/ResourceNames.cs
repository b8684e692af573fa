using System.Data.Common;
using System.Globalization;
using Aeg.Configuration;

namespace Aeg.Annotations;

/// <summary>
/// Turns the stage and user ids of a batch into names through the lookup tables
/// (<c>source.stageLookup</c>, <c>source.userLookup</c>), one query per chunk of unknown ids.
/// </summary>
internal sealed class ResourceNames(AnnotationDatabase database, SourceOptions options)
{
    private const int MaxCachedNames = 100_000;
    private const int LookupChunk = 1000;
    // Kept until Clear (one poll cycle), so a renamed stage or user shows up from the next cycle on.
    private readonly Dictionary<long, ResourceName> _stageNames = [];
    private readonly Dictionary<long, ResourceName> _userNames = [];

    public void Clear()
    {
        _stageNames.Clear();
        _userNames.Clear();
    }

    public async Task ResolveAsync(DbConnection connection, AnnotationRow[] rows, int count, CancellationToken cancellationToken)
    {
        if (options.StageLookup is { } stage)
        {
            await LoadMissingAsync(connection, stage, _stageNames, rows, count, static r => r.StageId, null, cancellationToken);
        }
        if (options.UserLookup is { } user)
        {
            await LoadMissingAsync(connection, user, _userNames, rows, count, static r => r.ModifiedById, static r => r.StageUserId, cancellationToken);
        }
        for (var i = 0; i < count; i++)
        {
            var row = rows[i];
            if (options.StageLookup is not null)
            {
                var s = row.StageId is { } sid ? _stageNames[sid] : default;
                row.StageName = s.Name;
                row.StageUri = s.Uri;
                AnnotationSource.DeriveStageName(row);
                if (row.StageId is not null && (row.StageName is null || s.InvalidText))
                {
                    row.Changes |= row.StageName is null ? RowChanges.UnresolvedStage : RowChanges.InvalidText;
                }
            }
            if (options.UserLookup is not null)
            {
                row.ModifiedBy = UserName(row, row.ModifiedById);
                row.StageUser = UserName(row, row.StageUserId);
            }
        }
    }

    private string? UserName(AnnotationRow row, long? id)
    {
        if (id is not { } i)
        {
            return null;
        }
        var name = _userNames[i];
        if (name.Name is null || name.InvalidText)
        {
            row.Changes |= name.Name is null ? RowChanges.UnresolvedUser : RowChanges.InvalidText;
        }
        return name.Name;
    }

    // An id missing from the lookup table resolves to no name, as the LEFT JOIN did.
    private async Task LoadMissingAsync(DbConnection connection, LookupOptions lookup, Dictionary<long, ResourceName> cache,
        AnnotationRow[] rows, int count, Func<AnnotationRow, long?> id1, Func<AnnotationRow, long?>? id2, CancellationToken cancellationToken)
    {
        HashSet<long>? missing = null;
        for (var i = 0; i < count; i++)
        {
            if (id1(rows[i]) is { } a && !cache.ContainsKey(a))
            {
                (missing ??= []).Add(a);
            }
            if (id2?.Invoke(rows[i]) is { } b && !cache.ContainsKey(b))
            {
                (missing ??= []).Add(b);
            }
        }
        if (missing is null)
        {
            return;
        }
        if (cache.Count + missing.Count > MaxCachedNames)
        {
            // Bounded memory: start over (the names of this batch are all reloaded below).
            cache.Clear();
            for (var i = 0; i < count; i++)
            {
                if (id1(rows[i]) is { } a)
                {
                    missing.Add(a);
                }
                if (id2?.Invoke(rows[i]) is { } b)
                {
                    missing.Add(b);
                }
            }
        }
        foreach (var chunk in missing.Chunk(LookupChunk))
        {
            await using var command = database.CreateCommand(connection, AnnotationQuery.Lookup(lookup, chunk));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (ReadId(reader, 0) is { } id)
                {
                    var name = ReadName(reader, 1, out var invalidName);
                    var uri = ReadName(reader, 2, out var invalidUri);
                    cache[id] = new ResourceName(name, uri, invalidName || invalidUri);
                }
            }
            foreach (var id in chunk)
            {
                cache.TryAdd(id, default);
            }
        }
    }

    // InvalidText: the name or URI held bytes that are not valid UTF-8 (replaced with U+FFFD).
    private readonly record struct ResourceName(string? Name, string? Uri, bool InvalidText);

    // A binary name column (VARBINARY) is decoded as UTF-8, anything else as invariant text.
    private static string? ReadName(DbDataReader reader, int ordinal, out bool invalid)
    {
        invalid = false;
        return reader.GetValue(ordinal) switch
        {
            DBNull => null,
            byte[] bytes => Utf8Text.Decode(bytes, out invalid),
            var value => ColumnReader.Format(value),
        };
    }

    // The lookup table's id column may be of another type than the annotation column it is joined on.
    private static long? ReadId(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null
        : long.TryParse(ColumnReader.Format(reader.GetValue(ordinal)),
            NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : null;
}
