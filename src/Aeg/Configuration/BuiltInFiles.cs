using System.Reflection;
using System.Text;

namespace Aeg.Configuration;

/// <summary>The files built into the aeg executable (src/Aeg/Aeg.csproj): the example config and the default CEF mappings.</summary>
public static class BuiltInFiles
{
    /// <summary>How the built-in mappings are named in messages and in <c>aeg config check</c>'s summary.</summary>
    public const string MappingsName = "built-in cef-mappings.yaml";

    /// <summary>content/config/aeg.example.yaml: what <c>aeg config example</c> prints.</summary>
    public static string Example() => Text("Aeg.Configuration.aeg.example.yaml");

    /// <summary>The repository's cef-mappings.yaml: the mappings of a config without <c>mappings:</c>, printed by <c>aeg config mappings</c>.</summary>
    public static string Mappings() => Text(MappingsResource);

    /// <summary>The built-in mappings exactly as embedded, so a test can compare them with the repository's file.</summary>
    public static byte[] MappingsBytes() => Bytes(MappingsResource);

    private const string MappingsResource = "Aeg.Configuration.cef-mappings.yaml";

    private static string Text(string name) => Encoding.UTF8.GetString(Bytes(name));

    private static byte[] Bytes(string name)
    {
        // Only the manifest stream: no reflection over types, so the Native AOT build reads it too.
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in this build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
