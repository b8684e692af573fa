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
/// <see cref="ITicketQueue"/> over a bounded channel: the rule handler writes without ever
/// blocking, the ticket dispatcher reads <see cref="Reader"/>. When full it sheds per
/// <see cref="TicketShedMode"/>, counts every shed item and logs at most once per interval.
/// </summary>
public sealed class BoundedTicketQueue : ITicketQueue
{
    private readonly Channel<TicketWork> _channel;
    private readonly TicketShedMode _mode;
    private readonly int _capacity;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly long _logIntervalTicks;
    private long _enqueued, _shed, _shedReported;
    private long _lastLogTimestamp;
    private TicketWork? _lastShed;

    public BoundedTicketQueue(TicketQueueOptions options, ILogger log, TimeProvider? time = null)
    {
        _mode = options.Shed;
        _capacity = options.Capacity;
        _log = log;
        _time = time ?? TimeProvider.System;
        _logIntervalTicks = (long)(options.ShedLogInterval.TotalSeconds * _time.TimestampFrequency);
        _lastLogTimestamp = _time.GetTimestamp() - _logIntervalTicks;
        var channelOptions = new BoundedChannelOptions(options.Capacity)
        {
            FullMode = _mode == TicketShedMode.Oldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        };
        _channel = _mode == TicketShedMode.Oldest
            ? Channel.CreateBounded<TicketWork>(channelOptions, OnShed)
            : Channel.CreateBounded<TicketWork>(channelOptions);
    }

    /// <summary>Where the ticket dispatcher takes work from.</summary>
    public ChannelReader<TicketWork> Reader => _channel.Reader;

    /// <summary>Work accepted into the queue (some of it may have been shed later, in oldest mode).</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);
    /// <summary>Work dropped because the queue was full (or already completed).</summary>
    public long Shed => Interlocked.Read(ref _shed);
    public int Count => _channel.Reader.Count;

    public bool TryEnqueue(TicketWork work)
    {
        if (_channel.Writer.TryWrite(work))
        {
            Interlocked.Increment(ref _enqueued);
            return true;
        }
        OnShed(work);
        return false;
    }

    /// <summary>No more work will come; the reader finishes once drained. Reports shedding not yet logged.</summary>
    public void Complete()
    {
        _channel.Writer.TryComplete();
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
}
