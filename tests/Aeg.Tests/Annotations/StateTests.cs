using Aeg.Annotations;
using Aeg.State;

namespace Aeg.Tests.Annotations;

public sealed class StateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-state-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Saved_state_loads_back_and_no_temp_file_remains()
    {
        var file = new AnnotationStateFile(_dir);
        Assert.Null(file.Load());
        var state = new AnnotationState { Cursor = new(1_795_000_000_000, 42), Recent = [new(1, 2, 3), new(4, 5, 6)] };
        file.Save(state);
        var loaded = new AnnotationStateFile(_dir).Load()!;
        Assert.Equal(state.Cursor, loaded.Cursor);
        Assert.Equal(state.Recent, loaded.Recent);
        Assert.False(File.Exists(AtomicFile.TempPathFor(file.Path)));
    }

    [Fact]
    public void A_truncated_temp_file_left_by_a_crash_never_replaces_the_good_cursor()
    {
        var file = new AnnotationStateFile(_dir);
        file.Save(new AnnotationState { Cursor = new(100, 7) });
        var good = File.ReadAllBytes(file.Path);
        // What a crash in the middle of the next write leaves: a partial temp file, no rename.
        File.WriteAllBytes(AtomicFile.TempPathFor(file.Path), good.AsSpan(0, good.Length / 2).ToArray());

        var loaded = new AnnotationStateFile(_dir).Load()!;
        Assert.Equal(new AnnotationCursor(100, 7), loaded.Cursor);
        Assert.Equal(good, File.ReadAllBytes(file.Path));

        // The next save overwrites the leftover and commits normally.
        file.Save(new AnnotationState { Cursor = new(200, 8) });
        Assert.Equal(new AnnotationCursor(200, 8), file.Load()!.Cursor);
        Assert.False(File.Exists(AtomicFile.TempPathFor(file.Path)));
    }

    [Fact]
    public void A_corrupt_state_file_stops_the_poller_instead_of_resetting_the_cursor()
    {
        var file = new AnnotationStateFile(_dir);
        file.Save(new AnnotationState { Cursor = new(100, 7) });
        var bytes = File.ReadAllBytes(file.Path);
        File.WriteAllBytes(file.Path, bytes.AsSpan(0, bytes.Length - 10).ToArray());
        var ex = Assert.Throws<StateFileException>(() => file.Load());
        Assert.Contains(file.Path, ex.Message);
        Assert.Contains("firstStart", ex.Message);
    }

    [Fact]
    public void Each_save_replaces_the_whole_file()
    {
        var file = new AnnotationStateFile(_dir);
        file.Save(new AnnotationState { Cursor = new(1, 1), Recent = [.. Enumerable.Range(0, 1000).Select(i => new SentKey(i, 1, i))] });
        file.Save(new AnnotationState { Cursor = new(2, 2) });
        var loaded = file.Load()!;
        Assert.Equal(new AnnotationCursor(2, 2), loaded.Cursor);
        Assert.Empty(loaded.Recent);
    }

    [Fact]
    public void Versions_file_round_trips_and_a_corrupt_one_is_ignored()
    {
        var file = new AnnotationStateFile(_dir);
        file.SaveVersions([new(1, 3), new(2, 9)]);
        Assert.Equal([new(1L, 3L), new(2L, 9L)], file.LoadVersions());
        File.WriteAllText(file.VersionsPath, "{\"versions\": [[1,");
        Assert.Empty(file.LoadVersions());
    }

    [Theory]
    [InlineData(null, 1L, false, 0L)]
    [InlineData(null, 5L, false, 0L)]
    [InlineData(null, 5L, true, 4L)]
    [InlineData(null, 1L, true, 0L)]
    [InlineData(3L, 4L, false, 0L)]
    [InlineData(3L, 6L, false, 2L)]
    [InlineData(3L, 3L, false, 0L)]
    [InlineData(5L, 4L, false, 0L)]
    public void Missed_versions_are_the_gap_between_versions(long? previous, long current, bool onFirstSight, long missed) =>
        Assert.Equal(missed, VersionTracker.Missed(previous, current, onFirstSight));

    [Fact]
    public void Version_tracker_forgets_the_oldest_event_past_its_capacity()
    {
        var t = new VersionTracker(2);
        t.Set(1, 1);
        t.Set(2, 1);
        t.Set(1, 2);
        t.Set(3, 1);
        Assert.Null(t.LastVersion(1));
        Assert.Equal(1, t.LastVersion(2));
        Assert.Equal(1, t.LastVersion(3));
    }

    [Fact]
    public void Look_back_window_forgets_old_keys_and_stays_bounded()
    {
        var w = new LookBackWindow(3);
        w.Add(new(1, 1, 100));
        w.Add(new(2, 1, 200));
        w.Add(new(3, 1, 300));
        w.Prune(150);
        Assert.False(w.Contains(1, 1));
        Assert.True(w.Contains(2, 1));
        w.Add(new(4, 1, 400));
        w.Add(new(5, 1, 500));
        Assert.Equal(3, w.Count);
        Assert.False(w.Contains(2, 1));
        Assert.Equal(1, w.Overflowed);
        Assert.Equal([new SentKey(3, 1, 300), new SentKey(4, 1, 400), new SentKey(5, 1, 500)], w.ToList());
    }
}
