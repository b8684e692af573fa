using System.Text;
using System.Text.Json;

namespace Aeg.Cef.Tests.Fuzzing;

/// <summary>The starting material of the fuzzer: the inputs of the conformance vectors.</summary>
public static class FuzzSeeds
{
    /// <summary>Where the test project copies the vectors file.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "Vectors", "reader-vectors.json");

    /// <summary>Every vector's input as UTF-8 bytes (an <c>inputBase64</c> field, for bytes JSON text cannot carry, wins).</summary>
    public static IReadOnlyList<byte[]> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var seeds = new List<byte[]>();
        foreach (var vector in document.RootElement.EnumerateArray())
        {
            if (vector.TryGetProperty("inputBase64", out var raw) && raw.GetString() is { } base64)
            {
                seeds.Add(Convert.FromBase64String(base64));
            }
            else if (vector.TryGetProperty("input", out var input) && input.GetString() is { } text)
            {
                seeds.Add(Encoding.UTF8.GetBytes(text));
            }
        }

        if (seeds.Count == 0)
        {
            throw new InvalidDataException($"{path}: no vector inputs to seed the fuzzer with");
        }

        return seeds;
    }
}
