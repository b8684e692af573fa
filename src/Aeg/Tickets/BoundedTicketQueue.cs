using System.Threading.Channels;
using Aeg.Configuration;
using Serilog;

namespace Aeg.Tickets;

/// <summary>Which work a full ticket queue drops.</summary>
public enum TicketShedMode
{
    /// <summary>Drop the oldest queued work to make room: recent events win.</summary>
    Oldest,
    /// <summary>Drop the incoming work: what is queued already wins.</summary>
    Newest,
}

/// <summary>The <c>tickets.queue:</c> config section.</summary>
public sealed class TicketQueueOptions
{
    /// <summary>How many ticket work items may wait for the dispatcher.</summary>
    public int Capacity { get; set; } = 10_000;
    /// <summary>What to drop when the queue is full.</summary>
    public TicketShedMode Shed { get; set; } = TicketShedMode.Oldest;
    /// <summary>At most one log line about shedding per this interval (the counters count every item).</summary>
    public TimeSpan ShedLogInterval { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (Capacity is < 1 or > 10_000_000)
        {
            yield return new ConfigProblem(keyPrefix + ".capacity", "must be 1–10000000");
        }
        if (ShedLogInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ConfigProblem(keyPrefix + ".shedLogInterval", "must be at least 1s");
        }
    }
}

/// <summary>
/// <see cref="ITicketQueue"/> over a channel with its own count: the rule handler writes without
/// ever blocking, the ticket dispatcher reads <see cref="Reader"/>. Datagram work over capacity is
/// shed per <see cref="TicketShedMode"/> (counted, logged at most once per interval); stream work is
/// never shed: its listener waits for <see cref="HasRoom"/> before the next frame instead.
/// </summary>
public sealed class BoundedTicketQueue : ITicketQueue
{
    private readonly Channel<TicketWork> _channel;
    private readonly CountingReader _reader;
    private readonly TicketShedMode _mode;
    private readonly int _capacity;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly long _logIntervalTicks;
    private readonly Lock _shedGate = new();
    private long _enqueued, _shed, _shedReported;
    private int _count;
    private long _lastLogTimestamp;
    private TicketWork? _lastShed;
    // Set while a stream listener waits for room; completed by the reader when the count drops.
    private TaskCompletionSource? _room;
    private volatile bool _completed;

    public BoundedTicketQueue(TicketQueueOptions options, ILogger log, TimeProvider? time = null)
    {
        _mode = options.Shed;
        _capacity = options.Capacity;
        _log = log;
        _time = time ?? TimeProvider.System;
        _logIntervalTicks = (long)(options.ShedLogInterval.TotalSeconds * _time.TimestampFrequency);
        _lastLogTimestamp = _time.GetTimestamp() - _logIntervalTicks;
        // Unbounded underneath: the capacity is enforced by the count, so stream work can exceed it by
        // the one frame in hand when its listener pauses.
        _channel = Channel.CreateUnbounded<TicketWork>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        _reader = new CountingReader(this);
    }

    /// <summary>Where the ticket dispatcher takes work from.</summary>
    public ChannelReader<TicketWork> Reader => _reader;

    /// <summary>Work accepted into the queue (some of it may have been shed later, in oldest mode).</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);
    /// <summary>Work dropped because the queue was full (or already completed).</summary>
    public long Shed => Interlocked.Read(ref _shed);
    public int Count => Volatile.Read(ref _count);
    public int Capacity => _capacity;

    /// <inheritdoc/>
    public bool HasRoom => Volatile.Read(ref _count) < _capacity;

    /// <inheritdoc/>
    public bool TryEnqueue(TicketWork work)
    {
        if (!HasRoom)
        {
            if (_mode == TicketShedMode.Newest)
            {
                OnShed(work);
                return false;
            }
            // Oldest first: one out for the one in. The lock keeps two writers from both taking one
            // out for a single free place; the dispatcher may take the oldest first, which is fine.
            lock (_shedGate)
            {
                while (!HasRoom && _reader.TryRead(out var oldest))
                {
                    OnShed(oldest);
                }
            }
        }
        return Write(work);
    }

    /// <inheritdoc/>
    public void Enqueue(TicketWork work)
    {
        if (!Write(work))
        {
            OnShed(work);
        }
    }

    /// <inheritdoc/>
    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        if (HasRoom || _completed)
        {
            return ValueTask.CompletedTask;
        }
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var room = Interlocked.CompareExchange(ref _room, waiter, null) ?? waiter;
        // Published before the count is read again (both full fences), and the reader decrements
        // before it reads _room: one of the two sees the other, so no wake-up is missed.
        if (HasRoom || _completed)
        {
            Wake();
        }
        return new ValueTask(room.Task.WaitAsync(cancellationToken));
    }

    private bool Write(TicketWork work)
    {
        Interlocked.Increment(ref _count);
        if (_channel.Writer.TryWrite(work))
        {
            Interlocked.Increment(ref _enqueued);
            return true;
        }
        // Completed: the daemon is stopping.
        Interlocked.Decrement(ref _count);
        return false;
    }

    private void Taken()
    {
        if (Interlocked.Decrement(ref _count) < _capacity && Volatile.Read(ref _room) is not null)
        {
            Wake();
        }
    }

    private void Wake() => Interlocked.Exchange(ref _room, null)?.TrySetResult();

    /// <summary>No more work will come; the reader finishes once drained. Reports shedding not yet logged.</summary>
    public void Complete()
    {
        _completed = true;
        _channel.Writer.TryComplete();
        Wake();
        ReportShed(force: true);
    }

    private void OnShed(TicketWork work)
    {
        Interlocked.Increment(ref _shed);
        Volatile.Write(ref _lastShed, work);
        ReportShed(force: false);
    }

    private void ReportShed(bool force)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastLogTimestamp);
        if (!force && now - last < _logIntervalTicks)
        {
            return;
        }
        if (!force && Interlocked.CompareExchange(ref _lastLogTimestamp, now, last) != last)
        {
            return;
        }
        var total = Shed;
        var since = total - Interlocked.Exchange(ref _shedReported, total);
        if (since <= 0)
        {
            return;
        }
        var example = Volatile.Read(ref _lastShed);
        _log.Warning("Ticket queue full (capacity {Capacity}): shed {Count} ticket work items ({Mode:l} first) since the last report, {Total} in total; latest: rule {Rule:l}, target {Target:l}, key {DedupeKey:l}",
            _capacity, since, _mode == TicketShedMode.Oldest ? "oldest" : "newest", total, example?.RuleName, example?.Target, example?.DedupeKey);
    }

    // Counts what the dispatcher takes, so the capacity holds without a bounded channel.
    private sealed class CountingReader(BoundedTicketQueue queue) : ChannelReader<TicketWork>
    {
        private readonly ChannelReader<TicketWork> _inner = queue._channel.Reader;

        public override Task Completion => _inner.Completion;
        public override bool CanCount => true;
        public override int Count => queue.Count;

        public override bool TryRead([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TicketWork item)
        {
            if (!_inner.TryRead(out item))
            {
                return false;
            }
            queue.Taken();
            return true;
        }

        public override bool TryPeek([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TicketWork item) => _inner.TryPeek(out item);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => _inner.WaitToReadAsync(cancellationToken);
    }
}
