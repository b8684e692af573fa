using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Aeg.Configuration;
using YamlDotNet.Serialization;

namespace Aeg.Tests;

/// <summary>Every configuration key a user can write must be documented in README.md.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void Every_configuration_key_is_documented_in_the_readme()
    {
        var readme = File.ReadAllText(TestServices.RepoFile("README.md"));
        var keys = new SortedSet<string>();
        Collect(typeof(AegOptions), "", keys, []);
        Assert.True(keys.Count > 60, $"only {keys.Count} keys found: the walk over the options is broken");

        var missing = keys.Where(k => !Documented(readme, k)).ToList();
        Assert.True(missing.Count == 0, "README.md does not document: " + string.Join(", ", missing));
    }

    // A key counts as documented when its last segment appears inside a `code span`.
    private static bool Documented(string readme, string key)
    {
        var last = key[(key.LastIndexOf('.') + 1)..];
        return Regex.IsMatch(readme, "`[^`\\n]*\\b" + Regex.Escape(last) + "\\b[^`\\n]*`");
    }

    internal static void Collect(Type type, string prefix, SortedSet<string> keys, HashSet<Type> seen)
    {
        if (!seen.Add(type))
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite || property.GetCustomAttribute<YamlIgnoreAttribute>() is not null)
            {
                continue;
            }

            var name = property.GetCustomAttribute<YamlMemberAttribute>()?.Alias
                ?? char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            var key = prefix.Length == 0 ? name : prefix + "." + name;
            keys.Add(key);
            var inner = ElementType(property.PropertyType);
            if (inner.IsClass && inner != typeof(string) && inner.Namespace?.StartsWith("Aeg", StringComparison.Ordinal) == true)
            {
                Collect(inner, key, keys, seen);
            }
        }

        seen.Remove(type);
    }

    private static Type ElementType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            if (type.IsArray)
            {
                return type.GetElementType()!;
            }

            var arguments = type.GetGenericArguments();
            return arguments.Length > 0 ? arguments[^1] : type;
        }

        return type;
    }
}
