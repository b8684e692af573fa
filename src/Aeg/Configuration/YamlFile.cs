using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Aeg.Configuration;

/// <summary>Deserialises a YAML file into typed options; unknown keys and bad values become <see cref="ConfigException"/>.</summary>
internal static class YamlFile
{
    public static T Load<T>(string path) where T : new()
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, "(file)", $"cannot be read: {ex.Message}");
        }
        return Parse<T>(path, text);
    }

    public static T Parse<T>(string fileName, string text) where T : new()
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .WithTypeConverter(new DurationConverter())
            .Build();
        try
        {
            return deserializer.Deserialize<T>(text) ?? new T();
        }
        catch (YamlException ex)
        {
            var key = KeyAt(text, ex.Start) ?? $"line {ex.Start.Line}, column {ex.Start.Column}";
            throw new ConfigException(fileName, key, Reason(ex));
        }
    }

    // YamlDotNet wraps the interesting message (an unknown key, a bad enum value) in an outer
    // "exception during deserialization"; the innermost message says what is wrong.
    private static string Reason(YamlException ex)
    {
        Exception inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }
        var message = inner is YamlException y ? StripMark(y.Message) : inner.Message;
        if (message.StartsWith("Property '", StringComparison.Ordinal) && message.Contains("not found on type", StringComparison.Ordinal))
        {
            var name = message.Split('\'')[1];
            return name.Equals("password", StringComparison.OrdinalIgnoreCase)
                ? "passwords are not accepted in the config file; use passwordEnv or passwordFile"
                : $"unknown key '{name}'";
        }
        return message;
    }

    private static string StripMark(string message)
    {
        // "(Line: 3, Col: 5, Idx: 20) - (Line: ...): text"
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && i > 0 ? message[(i + 3)..] : message;
    }

    /// <summary>The dotted path (e.g. <c>poller.interval</c>) of the key or value at <paramref name="mark"/>.</summary>
    internal static string? KeyAt(string text, Mark mark)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count == 0 ? null : Find(stream.Documents[0].RootNode, mark, "");
        }
        catch (YamlException)
        {
            return null;
        }
    }

    // Block mappings and sequences do not record where they end, so search every scalar: the
    // error mark is at a key (unknown key) or inside a scalar value (bad value).
    private static string? Find(YamlNode node, Mark mark, string path)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children)
                {
                    var name = k is YamlScalarNode s ? s.Value ?? "" : "?";
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    if (Within(k, mark) || (v is YamlScalarNode && Within(v, mark)))
                    {
                        return childPath;
                    }
                    if (Find(v, mark, childPath) is { } found)
                    {
                        return found;
                    }
                    if (Compare(v.Start, mark) == 0)
                    {
                        return childPath;
                    }
                }
                return null;
            case YamlSequenceNode seq:
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    var childPath = $"{path}[{i}]";
                    if (seq.Children[i] is YamlScalarNode && Within(seq.Children[i], mark))
                    {
                        return childPath;
                    }
                    if (Find(seq.Children[i], mark, childPath) is { } found)
                    {
                        return found;
                    }
                    if (Compare(seq.Children[i].Start, mark) == 0)
                    {
                        return childPath;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    private static bool Within(YamlNode node, Mark mark) => Compare(node.Start, mark) <= 0 && Compare(mark, node.End) <= 0;

    private static int Compare(Mark a, Mark b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column);
}
