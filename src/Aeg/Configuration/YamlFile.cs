using System.Diagnostics.CodeAnalysis;
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

    // YamlDotNet's reflection deserialiser binds to aeg's own options types, which the native build
    // keeps whole (TrimMode partial in Aeg.csproj); the process tests run that build on every config.
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Options types are kept whole by TrimMode=partial; covered by the AOT process tests.")]
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
            var key = KeyAt(text, ex.Start);
            throw new ConfigException(fileName, key ?? $"line {ex.Start.Line}, column {ex.Start.Column}", Reason(ex, key is null ? null : TypeAt(typeof(T), key)));
        }
    }

    // YamlDotNet wraps the interesting message (an unknown key, a bad enum value) in an outer
    // "exception during deserialization"; the innermost message says what is wrong.
    private static string Reason(YamlException ex, Type? target)
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
        return Explain(inner, message, target) ?? message;
    }

    // .NET's own wording for a bad value names neither the accepted values nor the YAML shape.
    private static string? Explain(Exception inner, string message, Type? target)
    {
        var value = message.Split('\'') is { Length: >= 3 } parts ? parts[1] : null;
        target = target is null ? null : Nullable.GetUnderlyingType(target) ?? target;
        if (target is { IsEnum: true } && value is not null)
        {
            var names = Enum.GetNames(target).Select(n => char.ToLowerInvariant(n[0]) + n[1..]);
            return $"'{value}' is not one of: {string.Join(", ", names)}";
        }

        if (inner is FormatException or OverflowException && target is not null && target.IsPrimitive)
        {
            var what = target == typeof(bool) ? "true or false" : target == typeof(double) || target == typeof(float) ? "a number" : "a whole number";
            return inner is OverflowException ? $"is out of range: must be {what} that fits" : $"'{value}' is not {what}";
        }

        if (message.StartsWith("No node deserializer was able to deserialize the node into type", StringComparison.Ordinal)
            || (message.StartsWith("Invalid cast from", StringComparison.Ordinal) && !message.Contains("Collections.Generic.List", StringComparison.Ordinal)))
        {
            return "expected 'key: value' lines (a mapping) here, found a list or a single value";
        }

        if (message.StartsWith("Invalid cast from", StringComparison.Ordinal))
        {
            return "expected a list (lines starting with '- ', or [a, b]) here, found a single value";
        }

        if (message.Contains("did not find expected key", StringComparison.Ordinal) || message.Contains("Mapping values are not allowed", StringComparison.OrdinalIgnoreCase))
        {
            return $"{message.TrimEnd('.')} (check the indentation: the keys of one section start in the same column, with spaces, not tabs)";
        }

        return null;
    }

    /// <summary>The C# type a dotted key such as <c>tickets.systems.rt.type</c> or <c>fields[2].source</c> deserialises into, if it can be told.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Options types are kept whole by TrimMode=partial.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Options types are kept whole by TrimMode=partial.")]
    [UnconditionalSuppressMessage("Trimming", "IL2065", Justification = "Options types are kept whole by TrimMode=partial.")]
    internal static Type? TypeAt(Type root, string key)
    {
        var type = root;
        foreach (var part in key.Split('.'))
        {
            var name = part;
            var indexed = false;
            var bracket = part.IndexOf('[');
            if (bracket >= 0)
            {
                name = part[..bracket];
                indexed = true;
            }

            if (DictionaryValue(type) is { } valueType)
            {
                type = valueType;
            }
            else
            {
                var property = type.GetProperties().FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
                    || p.GetCustomAttributes(typeof(YamlMemberAttribute), false).OfType<YamlMemberAttribute>().Any(a => a.Alias == name));
                if (property is null)
                {
                    return null;
                }

                type = property.PropertyType;
            }

            if (indexed)
            {
                type = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;
                if (type is null)
                {
                    return null;
                }
            }
        }

        return type;
    }

    private static Type? DictionaryValue(Type type)
        => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1] : null;

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
