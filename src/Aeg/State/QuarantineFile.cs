using System.Buffers;
using System.Text.Json;

namespace Aeg.State;

/// <summary>An annotation row that could not be sent, kept so that <c>aeg quarantine retry</c> can send it after a fix.</summary>
public sealed record QuarantinedRow(long EventId, long Version, long ModificationTimeMs, string Reason, DateTimeOffset At);

/// <summary>
/// The rows the poller set aside (<c>quarantine.jsonl</c> in the state directory, one JSON object per
/// line): appended before the cursor moves past the row, so a crash can only record a row twice, never
/// lose it. Readers see each (event, version) once, the latest reason winning.
/// </summary>
public sealed class QuarantineFile(string path)
{
    /// <summary>The file name inside the state directory.</summary>
    public const string FileName = "quarantine.jsonl";

    private readonly Lock _lock = new();

    public string Path { get; } = path;

    /// <summary>The quarantine of a state directory.</summary>
    public static QuarantineFile In(string stateDirectory) => new(System.IO.Path.Combine(stateDirectory, FileName));

    /// <summary>Appends one row and flushes it to disk (rare, so the fsync costs nothing that matters).</summary>
    public void Add(QuarantinedRow row)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(row, buffer);
        lock (_lock)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            using var exclusive = LockAcrossProcesses();
            using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            file.Write(buffer.WrittenSpan);
            file.Flush(flushToDisk: true);
        }
    }

    // The daemon appends while `aeg quarantine retry` rewrites: a lock file keeps an append from
    // landing in the file the rewrite is about to replace.
    private FileStream LockAcrossProcesses()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>The quarantined rows, one per (event id, version), in the order they were first set aside.</summary>
    /// <exception cref="StateFileException">A line of the file is not a quarantine entry.</exception>
    public List<QuarantinedRow> Load()
    {
        if (!File.Exists(Path))
        {
            return [];
        }
        var rows = new List<QuarantinedRow>();
        var index = new Dictionary<(long, long), int>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(Path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            QuarantinedRow row;
            try
            {
                row = Parse(line);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
            {
                throw new StateFileException($"{Path} line {lineNumber} is not a quarantine entry ({ex.Message})", ex);
            }
            if (index.TryGetValue((row.EventId, row.Version), out var at))
            {
                rows[at] = row;
            }
            else
            {
                index[(row.EventId, row.Version)] = rows.Count;
                rows.Add(row);
            }
        }
        return rows;
    }

    /// <summary>Rewrites the file without the rows <paramref name="released"/> accepts (sent by a retry).</summary>
    public void Remove(Func<QuarantinedRow, bool> released)
    {
        lock (_lock)
        {
            using var exclusive = LockAcrossProcesses();
            var keep = Load().Where(r => !released(r)).ToList();
            var buffer = new ArrayBufferWriter<byte>(4096);
            foreach (var row in keep)
            {
                Write(row, buffer);
            }
            AtomicFile.Write(Path, buffer.WrittenSpan);
        }
    }

    private static void Write(QuarantinedRow row, ArrayBufferWriter<byte> buffer)
    {
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("eventId", row.EventId);
            w.WriteNumber("version", row.Version);
            w.WriteNumber("modificationTime", row.ModificationTimeMs);
            w.WriteString("reason", row.Reason);
            w.WriteString("at", row.At);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
    }

    private static QuarantinedRow Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var r = doc.RootElement;
        return new QuarantinedRow(r.GetProperty("eventId").GetInt64(), r.GetProperty("version").GetInt64(),
            r.GetProperty("modificationTime").GetInt64(), r.GetProperty("reason").GetString() ?? "", r.GetProperty("at").GetDateTimeOffset());
    }
}
