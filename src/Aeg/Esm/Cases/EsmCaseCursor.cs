using System.Globalization;
using System.Text;
using System.Text.Json;
using Aeg.State;

namespace Aeg.Esm.Cases;

/// <summary>A place in the case poll order: (modification time in epoch ms, case id), compared in that order (ids ordinal).</summary>
public readonly record struct EsmCaseCursor(long ModifiedMs, string Id) : IComparable<EsmCaseCursor>
{
    /// <summary>Before every case.</summary>
    public static EsmCaseCursor Beginning => new(0, "");

    public int CompareTo(EsmCaseCursor other)
    {
        var byTime = ModifiedMs.CompareTo(other.ModifiedMs);
        return byTime != 0 ? byTime : string.CompareOrdinal(Id, other.Id);
    }

    public static bool operator >(EsmCaseCursor a, EsmCaseCursor b) => a.CompareTo(b) > 0;
    public static bool operator <(EsmCaseCursor a, EsmCaseCursor b) => a.CompareTo(b) < 0;
    public static bool operator >=(EsmCaseCursor a, EsmCaseCursor b) => a.CompareTo(b) >= 0;
    public static bool operator <=(EsmCaseCursor a, EsmCaseCursor b) => a.CompareTo(b) <= 0;

    public override string ToString() => $"({DateTimeOffset.FromUnixTimeMilliseconds(ModifiedMs).ToString("O", CultureInfo.InvariantCulture)}, {Id})";
}

/// <summary>
/// The case poller's cursor in <c>esm-cases.cursor</c> in the state directory, written atomically (temp file, fsync,
/// rename) only after the jobs of the cases up to it are in the ticket outbox.
/// </summary>
public sealed class EsmCaseCursorFile(string path)
{
    /// <summary>The file in <paramref name="stateDirectory"/>.</summary>
    public static string DefaultPath(string stateDirectory) => System.IO.Path.Combine(stateDirectory, "esm-cases.cursor");

    public string Path { get; } = path;

    /// <summary>The saved cursor, or null before the first save; throws <see cref="InvalidDataException"/> for a damaged file (never guessed).</summary>
    public EsmCaseCursor? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path));
            var root = doc.RootElement;
            return new EsmCaseCursor(root.GetProperty("modifiedMs").GetInt64(), root.GetProperty("id").GetString() ?? "");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{Path}: not a case cursor ({ex.Message}); fix or remove it (removing it reads every case again; tickets are updated, not duplicated)");
        }
    }

    public void Save(EsmCaseCursor cursor)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var json = $"{{\"modifiedMs\":{cursor.ModifiedMs.ToString(CultureInfo.InvariantCulture)},\"id\":{JsonSerializer.Serialize(cursor.Id, EsmCaseJsonContext.Default.String)}}}\n";
        AtomicFile.Write(Path, Encoding.UTF8.GetBytes(json));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class EsmCaseJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
