using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Aeg.State;

namespace Aeg.Annotations;

/// <summary>A batch of rows copied out of the reader, reused once its events are committed.</summary>
internal sealed class RowBatch(int capacity)
{
    public AnnotationRow[] Rows { get; } = Enumerable.Range(0, capacity).Select(_ => new AnnotationRow()).ToArray();
    public int Count { get; set; }
    /// <summary>
    /// Where the next batch starts: the highest key of the batch. Rows come in key order, but a row
    /// whose key columns could not be read (quarantined) carries 0 there and must not pull it back.
    /// </summary>
    public AnnotationCursor Last
    {
        get
        {
            var last = new AnnotationCursor(Rows[Count - 1].ModificationTimeMs, Rows[Count - 1].EventId);
            if (Rows[Count - 1].Fault is null)
            {
                return last;
            }
            for (var i = 0; i < Count - 1; i++)
            {
                var key = new AnnotationCursor(Rows[i].ModificationTimeMs, Rows[i].EventId);
                last = key > last ? key : last;
            }
            return last;
        }
    }
}

/// <summary>
/// Reads keyset batches ahead of the consumer on a background task, through three reusable
/// <see cref="RowBatch"/> buffers, until a batch comes back short or a stop is requested.
/// </summary>
/// <remarks>
/// Three, not two: one being sent, one handed over and one being read, so the reader (and MariaDB
/// behind it) does not stop while a batch waits for the sender; ~6% faster 1M-row drains for one
/// more batch of memory (benchmarks/history/2026-12-sessions-1-8.md, issue 3).
/// </remarks>
internal sealed class BatchReader
{
    private readonly Channel<RowBatch> _full = Channel.CreateBounded<RowBatch>(1);
    private readonly Channel<RowBatch> _free = Channel.CreateUnbounded<RowBatch>();
    private readonly Task _producer;

    public BatchReader(IAnnotationSource source, int batchSize, AnnotationCursor start, AnnotationCounters counters,
        CancellationToken stopAfterBatch, CancellationToken cancellationToken)
    {
        _free.Writer.TryWrite(new RowBatch(batchSize));
        _free.Writer.TryWrite(new RowBatch(batchSize));
        _free.Writer.TryWrite(new RowBatch(batchSize));
        // No token for Task.Run itself: the producer must always run so that it completes the channel.
        _producer = Task.Run(() => ProduceAsync(source, batchSize, start, counters, stopAfterBatch, cancellationToken), CancellationToken.None);
    }

    /// <summary>Full batches in keyset order; throws what the reading task threw.</summary>
    public async IAsyncEnumerable<RowBatch> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var batch in _full.Reader.ReadAllAsync(cancellationToken))
        {
            yield return batch;
        }
    }

    public void Recycle(RowBatch batch) => _free.Writer.TryWrite(batch);

    /// <summary>Waits for the reading task to end (after cancellation or completion), ignoring its failure.</summary>
    public async Task StopAsync()
    {
        _free.Writer.TryComplete();
        try
        {
            await _producer;
        }
        catch (Exception)
        {
            // Already surfaced through ReadAllAsync, or the result of the cancellation.
        }
    }

    private async Task ProduceAsync(IAnnotationSource source, int batchSize, AnnotationCursor cursor, AnnotationCounters counters,
        CancellationToken stopAfterBatch, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var batch = await _free.Reader.ReadAsync(cancellationToken);
                batch.Count = await source.ReadBatchAsync(cursor, batch.Rows, cancellationToken);
                counters.AddRowsPolled(batch.Count);
                if (batch.Count == 0)
                {
                    break;
                }
                await _full.Writer.WriteAsync(batch, cancellationToken);
                if (batch.Count < batchSize || stopAfterBatch.IsCancellationRequested)
                {
                    break;
                }
                if (batch.Last <= cursor)
                {
                    // A full batch of rows whose keys could not be read: no position to read on
                    // from. The cycle ends (the rows are quarantined) instead of reading it forever.
                    break;
                }
                cursor = batch.Last;
            }
            _full.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _full.Writer.TryComplete(ex);
            throw;
        }
    }
}
