using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Aeg.State;

namespace Aeg.Tickets;

/// <summary>A ticket action that failed for good: the work as rendered, the target and why (never credentials).</summary>
public sealed record DeadLetter(
    string RuleName,
    string Target,
    string DedupeKey,
    IReadOnlyDictionary<string, string>? OnCreate,
    IReadOnlyDictionary<string, string>? OnUpdate,
    string RawEvent,
    DateTimeOffset ReceivedAt,
    DateTimeOffset FailedAt,
    string Operation,
    string Error,
    bool Transient,
    int Attempts)
{
    /// <summary>The file it was read from (a legacy dead-letter file; not stored in the file).</summary>
    [JsonIgnore]
    public string? File { get; init; }

    /// <summary>Its job in the outbox (not stored in a file).</summary>
    [JsonIgnore]
    public long JobId { get; init; }

    /// <summary>The work to replay.</summary>
    public TicketWork ToWork() => new(RuleName, Target, DedupeKey, OnCreate, OnUpdate, RawEvent, ReceivedAt);
}

/// <summary>The serialisation contract of <see cref="DeadLetter"/>, generated at compile time.</summary>
[JsonSerializable(typeof(DeadLetter))]
internal sealed partial class DeadLetterJsonContext : JsonSerializerContext;

/// <summary>
/// The dead-letter folder of earlier versions (one JSON file per failed ticket action). Dead letters
/// now live in the outbox; <see cref="ImportInto"/> moves files found here into it.
/// </summary>
public sealed class DeadLetterStore
{
    // Source-generated: the native (AOT) aeg has no reflection-based serialisation.
    private static readonly JsonTypeInfo<DeadLetter> Json = (JsonTypeInfo<DeadLetter>)new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = DeadLetterJsonContext.Default,
    }.GetTypeInfo(typeof(DeadLetter));

    public DeadLetterStore(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>Writes <paramref name="letter"/> atomically to a new file and returns its path.</summary>
    public string Write(DeadLetter letter)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = $"{letter.FailedAt.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-{Guid.NewGuid():N}.json";
        var path = Path.Combine(Directory, name);
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(letter, Json));
        return path;
    }

    /// <summary>Every dead letter, oldest first; unreadable files are reported through <paramref name="onBadFile"/> and left alone.</summary>
    public List<DeadLetter> ReadAll(Action<string, string>? onBadFile = null)
    {
        var letters = new List<DeadLetter>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return letters;
        }
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                var letter = JsonSerializer.Deserialize(System.IO.File.ReadAllBytes(file), Json)
                    ?? throw new JsonException("empty document");
                letters.Add(letter with { File = file });
            }
            catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
            {
                onBadFile?.Invoke(file, ex.Message);
            }
        }
        return letters;
    }

    /// <summary>Moves every readable file into <paramref name="outbox"/> as a dead job, then deletes it; returns how many.</summary>
    public int ImportInto(TicketOutbox outbox, Action<string, string>? onBadFile = null)
    {
        var letters = ReadAll(onBadFile);
        foreach (var letter in letters)
        {
            outbox.AddDead(letter);
            Delete(letter);
        }
        return letters.Count;
    }

    /// <summary>Removes a dead-letter file.</summary>
    public static void Delete(DeadLetter letter)
    {
        if (letter.File is { } file)
        {
            System.IO.File.Delete(file);
        }
    }
}
