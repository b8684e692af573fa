using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>Reads a test database through <see cref="AnnotationSource"/> as the poller does, keeping a copy of every row.</summary>
internal static class SourceReading
{
    /// <summary>Every row after the beginning, in keyset batches of <paramref name="batchSize"/> (the cursor follows the last row of each).</summary>
    public static async Task<List<AnnotationRow>> ReadAllAsync(TestDatabase db, SourceOptions? options = null, int batchSize = 1000)
    {
        var source = new AnnotationSource(db.Database, options ?? new SourceOptions());
        var rows = Enumerable.Range(0, batchSize).Select(_ => new AnnotationRow()).ToArray();
        var all = new List<AnnotationRow>();
        var cursor = AnnotationCursor.Beginning;
        try
        {
            while (true)
            {
                var n = await source.ReadBatchAsync(cursor, rows, CancellationToken.None);
                all.AddRange(rows.Take(n).Select(CopyWithIds));
                if (n < batchSize)
                {
                    return all;
                }
                cursor = new AnnotationCursor(rows[n - 1].ModificationTimeMs, rows[n - 1].EventId);
            }
        }
        finally
        {
            await source.ReleaseAsync();
        }
    }

    /// <summary>Every row through <see cref="AnnotationSource.ReadAfterAsync"/> (the query with lookup joins).</summary>
    public static async Task<List<AnnotationRow>> ReadAfterAsync(TestDatabase db, SourceOptions? options = null)
    {
        var source = new AnnotationSource(db.Database, options ?? new SourceOptions());
        try
        {
            var all = new List<AnnotationRow>();
            await foreach (var row in source.ReadAfterAsync(AnnotationCursor.Beginning, 100_000, CancellationToken.None))
            {
                all.Add(row.Copy());
            }
            return all;
        }
        finally
        {
            await source.ReleaseAsync();
        }
    }

    /// <summary>Every row with mt ≥ <paramref name="fromMs"/> through <see cref="AnnotationSource.ReadWindowAsync"/>.</summary>
    public static async Task<List<AnnotationRow>> ReadWindowAsync(TestDatabase db, long fromMs, SourceOptions? options = null)
    {
        var source = new AnnotationSource(db.Database, options ?? new SourceOptions());
        try
        {
            var all = new List<AnnotationRow>();
            await foreach (var row in source.ReadWindowAsync(fromMs, new AnnotationCursor(long.MaxValue / 2, long.MaxValue), CancellationToken.None))
            {
                all.Add(row.Copy());
            }
            return all;
        }
        finally
        {
            await source.ReleaseAsync();
        }
    }

    private static AnnotationRow CopyWithIds(AnnotationRow row)
    {
        var copy = row.Copy();
        copy.ModifiedById = row.ModifiedById;
        copy.StageId = row.StageId;
        copy.StageUserId = row.StageUserId;
        return copy;
    }
}
