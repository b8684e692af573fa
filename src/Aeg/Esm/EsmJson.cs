using System.Text;
using System.Text.Json;

namespace Aeg.Esm;

/// <summary>
/// The JSON forms of the ESM Service Layer: requests wrapped as <c>{"pfx.op": {"pfx.param": …}}</c>, answers as
/// <c>{"pfx.opResponse": {"pfx.return": …}}</c>, with the XML mapping's quirks (a one-element array comes back as the
/// bare element, an empty one disappears).
/// </summary>
public static class EsmJson
{
    /// <summary>The request body of <paramref name="op"/> with the token first, then <paramref name="parameters"/>.</summary>
    public static byte[] Request(string prefix, string op, string token, Action<Utf8JsonWriter, string> parameters)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartObject($"{prefix}.{op}");
            writer.WriteString($"{prefix}.authToken", token);
            parameters(writer, prefix);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>The <c>pfx.return</c> value of an answer, or null when the answer has none (an empty result).</summary>
    /// <exception cref="JsonException">The body is not the expected JSON form.</exception>
    public static JsonElement? Return(JsonDocument answer, string prefix, string op)
    {
        var root = answer.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty($"{prefix}.{op}Response", out var response))
        {
            throw new JsonException($"the answer has no \"{prefix}.{op}Response\" object");
        }
        if (response.ValueKind == JsonValueKind.Object && response.TryGetProperty($"{prefix}.return", out var value) && value.ValueKind != JsonValueKind.Null)
        {
            return value;
        }
        return null;
    }

    /// <summary>The items of a value that is a list in ESM's model: an array, a bare element (one item) or nothing (none).</summary>
    public static IEnumerable<JsonElement> Items(JsonElement? value)
    {
        if (value is not { } v)
        {
            yield break;
        }
        if (v.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in v.EnumerateArray())
            {
                yield return item;
            }
        }
        else
        {
            yield return v;
        }
    }

    /// <summary>A value as text: strings as they are, numbers as written (no rounding past 2^53), others as JSON.</summary>
    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        _ => value.GetRawText(),
    };

    /// <summary>Writes an already parsed value into a request.</summary>
    public static void Write(Utf8JsonWriter writer, string name, JsonElement value)
    {
        writer.WritePropertyName(name);
        value.WriteTo(writer);
    }

    internal static string Utf8(byte[] body) => Encoding.UTF8.GetString(body);
}
