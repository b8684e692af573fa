using System.Runtime.CompilerServices;
using Aeg.State;

namespace Aeg.Annotations;

/// <summary>
/// Wraps the poller's source and records in <see cref="AnnotationCounters.DatabaseProblem"/> whether
/// its last read succeeded, so that /readyz follows the database exactly: not ready from the first
/// failed read until a read succeeds again.
/// </summary>
internal sealed class DatabaseHealthSource(IAnnotationSource inner, AnnotationCounters counters) : IAnnotationSource
{
    public async IAsyncEnumerable<AnnotationRow> ReadAfterAsync(AnnotationCursor cursor, int limit,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in Observe(inner.ReadAfterAsync(cursor, limit, cancellationToken), cancellationToken))
        {
            yield return row;
        }
    }

    public async IAsyncEnumerable<AnnotationRow> ReadWindowAsync(long fromMs, AnnotationCursor cursor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in Observe(inner.ReadWindowAsync(fromMs, cursor, cancellationToken), cancellationToken))
        {
            yield return row;
        }
    }

    public async Task<int> ReadBatchAsync(AnnotationCursor cursor, AnnotationRow[] rows, CancellationToken cancellationToken)
    {
        try
        {
            var n = await inner.ReadBatchAsync(cursor, rows, cancellationToken);
            counters.SetDatabaseProblem(null);
            return n;
        }
        catch (Exception ex) when (Counts(ex, cancellationToken))
        {
            counters.SetDatabaseProblem(PollFailures.Describe(ex));
            throw;
        }
    }

    public ValueTask ReleaseAsync() => inner.ReleaseAsync();

    // Forwarded (the interface's defaults answer "unknown"): the drain's progress line needs the
    // total, the poller the count of rows no time-ordered read can reach.
    public Task<long?> CountAfterAsync(AnnotationCursor cursor, CancellationToken cancellationToken) => inner.CountAfterAsync(cursor, cancellationToken);

    public Task<RowsWithoutTime?> CountWithoutTimeAsync(CancellationToken cancellationToken) => inner.CountWithoutTimeAsync(cancellationToken);

    // An async iterator cannot yield inside try/catch, so the enumerator is driven by hand.
    private async IAsyncEnumerable<AnnotationRow> Observe(IAsyncEnumerable<AnnotationRow> rows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var e = rows.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await e.MoveNextAsync();
            }
            catch (Exception ex) when (Counts(ex, cancellationToken))
            {
                counters.SetDatabaseProblem(PollFailures.Describe(ex));
                throw;
            }
            if (!more)
            {
                counters.SetDatabaseProblem(null);
                yield break;
            }
            yield return e.Current;
        }
    }

    // A read cancelled on purpose (the poller stopping, or giving up on a batch after a syslog
    // failure) says nothing about the database, even when the provider reports it as an error.
    private static bool Counts(Exception ex, CancellationToken cancellationToken) =>
        ex is not OperationCanceledException && !cancellationToken.IsCancellationRequested;
}
