using Aeg.Tickets;
using Serilog.Events;

namespace Aeg.Tests.Rules;

public class BoundedTicketQueueTests
{
    private static TicketWork Work(int i) => new("rule", "rt", "key-" + i, null, new Dictionary<string, string> { ["Comment"] = "c" }, "raw", DateTimeOffset.UnixEpoch);

    private static List<string> Drain(BoundedTicketQueue queue)
    {
        var keys = new List<string>();
        while (queue.Reader.TryRead(out var w))
        {
            keys.Add(w.DedupeKey);
        }
        return keys;
    }

    [Fact]
    public void Shedding_the_oldest_keeps_the_latest_work_and_counts_the_rest()
    {
        var sink = new LogCapture();
        var queue = new BoundedTicketQueue(new TicketQueueOptions { Capacity = 3, Shed = TicketShedMode.Oldest }, sink.Logger);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(queue.TryEnqueue(Work(i)));
        }
        Assert.Equal(10, queue.Enqueued);
        Assert.Equal(7, queue.Shed);
        Assert.Equal(["key-7", "key-8", "key-9"], Drain(queue));
    }

    [Fact]
    public void Shedding_the_newest_refuses_incoming_work_and_counts_it()
    {
        var sink = new LogCapture();
        var queue = new BoundedTicketQueue(new TicketQueueOptions { Capacity = 3, Shed = TicketShedMode.Newest }, sink.Logger);
        var accepted = Enumerable.Range(0, 10).Count(i => queue.TryEnqueue(Work(i)));
        Assert.Equal(3, accepted);
        Assert.Equal(3, queue.Enqueued);
        Assert.Equal(7, queue.Shed);
        Assert.Equal(["key-0", "key-1", "key-2"], Drain(queue));
        Assert.True(queue.TryEnqueue(Work(10)));
    }

    [Fact]
    public void Shedding_is_logged_once_per_interval_with_the_count_not_per_item()
    {
        var sink = new LogCapture();
        var time = new ManualClock();
        var queue = new BoundedTicketQueue(new TicketQueueOptions { Capacity = 1, Shed = TicketShedMode.Newest, ShedLogInterval = TimeSpan.FromSeconds(10) }, sink.Logger, time);
        queue.TryEnqueue(Work(0));
        for (var i = 1; i <= 100; i++)
        {
            queue.TryEnqueue(Work(i));
        }
        var first = Assert.Single(sink.Lines(LogEventLevel.Warning));
        Assert.Contains("shed 1 ticket work items", first);

        time.Advance(TimeSpan.FromSeconds(11));
        queue.TryEnqueue(Work(101));
        var lines = sink.Lines(LogEventLevel.Warning).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("shed 100 ticket work items (newest first) since the last report, 101 in total", lines[1]);
        Assert.Contains("key-101", lines[1]);

        queue.TryEnqueue(Work(102));
        queue.Complete();
        lines = sink.Lines(LogEventLevel.Warning).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("shed 1 ticket work items", lines[2]);
        Assert.Equal(102, queue.Shed);
    }

    [Fact]
    public async Task A_full_queue_never_blocks_the_writer_while_a_reader_drains_it()
    {
        var queue = new BoundedTicketQueue(new TicketQueueOptions { Capacity = 16, Shed = TicketShedMode.Oldest }, new LogCapture().Logger);
        var received = 0;
        var reader = Task.Run(async () =>
        {
            await foreach (var _ in queue.Reader.ReadAllAsync())
            {
                received++;
            }
        });
        for (var i = 0; i < 100_000; i++)
        {
            queue.TryEnqueue(Work(i));
        }
        queue.Complete();
        await reader.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(100_000, received + queue.Shed);
    }

    [Fact]
    public async Task Stream_work_is_never_shed_and_a_waiter_for_room_wakes_only_when_the_reader_makes_room()
    {
        var queue = new BoundedTicketQueue(new TicketQueueOptions { Capacity = 3, Shed = TicketShedMode.Oldest }, new LogCapture().Logger);
        for (var i = 0; i < 5; i++)
        {
            ITicketQueue stream = queue;
            stream.Enqueue(Work(i));
        }
        Assert.Equal((5, 0L, false), (queue.Count, queue.Shed, queue.HasRoom));

        var room = queue.WaitForRoomAsync(CancellationToken.None).AsTask();
        Assert.True(queue.Reader.TryRead(out _));
        Assert.True(queue.Reader.TryRead(out _));
        Assert.False(room.IsCompleted); // 3 left: still at capacity
        Assert.True(queue.Reader.TryRead(out _));
        await room.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(queue.HasRoom);
        Assert.Equal(["key-3", "key-4"], Drain(queue));
        Assert.Equal(5, queue.Enqueued);
    }

    [Fact]
    public async Task Completing_the_queue_releases_a_waiting_stream_and_later_work_is_counted_as_shed()
    {
        var queue = new BoundedTicketQueue(new TicketQueueOptions { Capacity = 1 }, new LogCapture().Logger);
        queue.Enqueue(Work(0));
        var room = queue.WaitForRoomAsync(CancellationToken.None).AsTask();
        Assert.False(room.IsCompleted);
        queue.Complete();
        await room.WaitAsync(TimeSpan.FromSeconds(10));
        queue.Enqueue(Work(1));
        Assert.Equal((1L, 1L), (queue.Enqueued, queue.Shed));
        Assert.Equal(["key-0"], Drain(queue));
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
