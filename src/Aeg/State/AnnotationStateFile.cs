using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace Aeg.State;

/// <summary>What survives a restart: the cursor and the keys already sent inside the look-back window.</summary>
public sealed class AnnotationState
{
    public AnnotationCursor Cursor { get; set; }
    public List<SentKey> Recent { get; set; } = [];
}

/// <summary>A state file that exists but cannot be used; Aeg refuses to start rather than guess.</summary>
public sealed class StateFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads and atomically writes the annotation poller's state file (JSON).</summary>
public sealed class AnnotationStateFile : IAnnotationStateStore
{
    private const int FormatVersion = 1;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly ArrayBufferWriter<byte> _journal = new(4096);
    private FileStream? _lock;

    public AnnotationStateFile(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, "annotation-state.json");
        VersionsPath = System.IO.Path.Combine(directory, "annotation-versions.json");
        VersionsJournalPath = System.IO.Path.Combine(directory, "annotation-versions.journal");
    }

    /// <summary>
    /// The versions of each committed batch since <see cref="VersionsPath"/> was last written, one
    /// <c>event_id version</c> line each, appended before the batch's cursor is written: after a
    /// crash the memory holds exactly the versions sent, so a gap is never over-reported.
    /// </summary>
    public string VersionsJournalPath { get; }

    /// <summary>
    /// Last version seen per event id, for version-gap detection. Kept apart from the cursor and
    /// written less often because it is larger and only advisory: losing it after a crash can
    /// hide a gap, never lose an event.
    /// </summary>
    public string VersionsPath { get; }

    /// <summary>Takes the state directory's lock file (<c>annotation.lock</c>): one poller per directory.</summary>
    public void Acquire()
    {
        var lockPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, "annotation.lock");
        try
        {
            _lock ??= new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            // The reason tells a second poller (lock held) from a full or read-only state directory.
            throw new StateFileException($"cannot lock {lockPath} ({ex.Message}); only one poller may use a state directory, and it must be writable");
        }
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }

    public List<KeyValuePair<long, long>> LoadVersions()
    {
        var list = File.Exists(VersionsPath) ? ParseVersions(File.ReadAllBytes(VersionsPath)) : [];
        if (File.Exists(VersionsJournalPath))
        {
            // Later lines win; the tracker keeps the higher version, so a journal line older than a
            // snapshot written just before a crash (the journal not yet emptied) changes nothing.
            foreach (var line in File.ReadLines(VersionsJournalPath))
            {
                var space = line.IndexOf(' ');
                if (space > 0 && long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                    && long.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    list.Add(new(id, version));
                }
            }
        }
        return list;
    }

    public void AppendVersions(IReadOnlyCollection<KeyValuePair<long, long>> versions)
    {
        if (versions.Count == 0)
        {
            return;
        }
        _journal.ResetWrittenCount();
        foreach (var (id, version) in versions)
        {
            var span = _journal.GetSpan(42);
            Utf8Formatter.TryFormat(id, span, out var n);
            span[n++] = (byte)' ';
            Utf8Formatter.TryFormat(version, span[n..], out var m);
            n += m;
            span[n++] = (byte)'\n';
            _journal.Advance(n);
        }
        // No fsync: a kill -9 keeps what was written, and the journal is advisory (gap detection).
        using var file = new FileStream(VersionsJournalPath, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(_journal.WrittenSpan);
    }

    /// <summary>Reads the versions JSON; advisory data, so anything unreadable gives an empty list.</summary>
    internal static List<KeyValuePair<long, long>> ParseVersions(ReadOnlyMemory<byte> json)
    {
        var list = new List<KeyValuePair<long, long>>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (var v in doc.RootElement.GetProperty("versions").EnumerateArray())
            {
                list.Add(new(v[0].GetInt64(), v[1].GetInt64()));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            // Advisory data: start with an empty memory rather than refuse to run.
            list.Clear();
        }
        return list;
    }

    public void SaveVersions(IEnumerable<KeyValuePair<long, long>> versions)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteVersions(versions, buffer);
        AtomicFile.Write(VersionsPath, buffer.WrittenSpan);
        // The snapshot holds everything the journal did.
        File.Delete(VersionsJournalPath);
    }

    internal static void WriteVersions(IEnumerable<KeyValuePair<long, long>> versions, IBufferWriter<byte> buffer)
    {
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("versions");
            foreach (var (id, v) in versions)
            {
                w.WriteStartArray();
                w.WriteNumberValue(id);
                w.WriteNumberValue(v);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
    }

    public string Path { get; }

    /// <summary>
    /// The saved state, or null on first start. A temp file (a write that never reached its
    /// rename, or one in progress) is ignored, not deleted: the next save overwrites it, and a
    /// reader such as a test or a status command must not break a running poller's write.
    /// </summary>
    public AnnotationState? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        try
        {
            var bytes = File.ReadAllBytes(Path);
            return Parse(bytes);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new StateFileException(
                $"state file {Path} is unreadable ({ex.Message}); move it away to start again from poller.firstStart", ex);
        }
    }

    public string Description => Path;

    public void Save(AnnotationState state)
    {
        _buffer.ResetWrittenCount();
        Write(state, _buffer);
        AtomicFile.Write(Path, _buffer.WrittenSpan);
    }

    /// <summary>The state as the JSON document this file holds (also the shared store's format).</summary>
    internal static void Write(AnnotationState state, IBufferWriter<byte> buffer)
    {
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteString("written", DateTimeOffset.UtcNow);
            w.WriteStartObject("cursor");
            w.WriteNumber("modificationTime", state.Cursor.ModificationTimeMs);
            w.WriteNumber("eventId", state.Cursor.EventId);
            w.WriteEndObject();
            w.WriteStartArray("recent");
            foreach (var k in state.Recent)
            {
                w.WriteStartArray();
                w.WriteNumberValue(k.EventId);
                w.WriteNumberValue(k.Version);
                w.WriteNumberValue(k.ModificationTimeMs);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
    }

    /// <summary>Parses what <see cref="Write"/> wrote; throws JsonException, FormatException, KeyNotFoundException or InvalidOperationException.</summary>
    internal static AnnotationState Parse(ReadOnlyMemory<byte> bytes)
    {
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        var format = root.GetProperty("format").GetInt32();
        if (format != FormatVersion)
        {
            throw new FormatException($"format {format} is not {FormatVersion}");
        }
        var cursor = root.GetProperty("cursor");
        var state = new AnnotationState
        {
            Cursor = new AnnotationCursor(cursor.GetProperty("modificationTime").GetInt64(), cursor.GetProperty("eventId").GetInt64()),
        };
        foreach (var k in root.GetProperty("recent").EnumerateArray())
        {
            state.Recent.Add(new SentKey(k[0].GetInt64(), k[1].GetInt64(), k[2].GetInt64()));
        }
        return state;
    }
}

/// <summary>The state file could not be written (disk full, read-only, no permission); the file on disk still holds the previous cursor.</summary>
public sealed class StateWriteException(string message, Exception inner) : IOException(message, inner);
