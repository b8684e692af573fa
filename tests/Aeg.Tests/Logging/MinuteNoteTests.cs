using Aeg.Logging;

namespace Aeg.Tests.Logging;

public sealed class MinuteNoteTests
{
    [Fact]
    public void The_first_note_goes_out_at_once_the_next_after_a_minute_naming_how_many_were_held()
    {
        var clock = new StepClock();
        var note = new MinuteNote(clock);
        var said = new List<long>();
        // 1,000 occurrences over 150 s, one every 150 ms.
        for (var i = 0; i < 1000; i++)
        {
            if (note.Due(out var held))
            {
                said.Add(held);
            }
            clock.Now += TimeSpan.FromMilliseconds(150);
        }
        // At 0 s, 60 s and 120 s: three lines, each naming the ones in between.
        Assert.Equal([0L, 399L, 399L], said);
        Assert.Equal("", MinuteNote.More(0, "gaps"));
        Assert.Equal(" (and 399 more gaps since the last note)", MinuteNote.More(399, "gaps"));
    }

    private sealed class StepClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
