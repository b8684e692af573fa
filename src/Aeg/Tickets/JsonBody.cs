using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Aeg.Tickets;

/// <summary>Builds JSON request bodies with <see cref="Utf8JsonWriter"/>, so every value is encoded and none can add fields.</summary>
internal static class JsonBody
{
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static ByteArrayContent Content(byte[] json)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public static HttpRequestMessage Request(HttpMethod method, Uri uri, byte[]? json) => new(method, uri)
    {
        Content = json is null ? null : Content(json),
    };

    /// <summary>Parses a response body; null when it is not JSON.</summary>
    public static JsonDocument? TryParse(string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Fields whose names the action does not know, as a sorted, comma-separated list (empty when all are known).</summary>
    public static string UnknownFields(IEnumerable<string> names, Func<string, bool> known) =>
        string.Join(", ", names.Where(n => !known(n)).Order(StringComparer.Ordinal));
}
