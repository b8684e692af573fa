using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Aeg.Configuration;
using Aeg.Daemon;
using YamlDotNet.Serialization;

namespace Aeg.Tests.Docs;

/// <summary>Every configuration key a user can write has a row in the option tables of docs/configuration.md.</summary>
public sealed class ConfigurationDocsTests
{
    [Fact]
    public void Every_configuration_key_has_a_row_in_its_section_of_docs_configuration()
    {
        var doc = File.ReadAllText(TestServices.RepoFile("docs/configuration.md"));
        var keys = new SortedSet<string>();
        Collect(typeof(AegOptions), "", keys, []);
        Assert.True(keys.Count > 60, $"only {keys.Count} keys found: the walk over the options is broken");

        var missing = keys.Where(k => !Documented(doc, k)).ToList();
        Assert.True(missing.Count == 0, "docs/configuration.md does not document: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_check_finds_a_key_only_in_the_first_cell_of_a_row_of_its_own_section()
    {
        const string doc = "## Top level\n\n| `poller` | x |\n\n## `poller`\n\n| `interval` | `5s` | see `batchSize` |\n\n## `state`\n\n| `lookBack` | x |\n";
        Assert.True(Documented(doc, "poller"));
        Assert.True(Documented(doc, "poller.interval"));
        Assert.False(Documented(doc, "poller.batchSize"));   // mentioned, but not as a key
        Assert.False(Documented(doc, "poller.lookBack"));    // a row, but in another section
        Assert.False(Documented(doc, "state"));              // a section, but no top-level row
    }

    // A top-level key is documented by a row of "## Top level"; any other key by a row of its top-level
    // key's section ("## `poller`", up to the next "## "), whose first cell names its last segment in a code span.
    private static bool Documented(string doc, string key)
    {
        var dot = key.IndexOf('.');
        var heading = dot < 0 ? "## Top level" : "## `" + key[..dot] + "`";
        var section = Regex.Match(doc, "^" + Regex.Escape(heading) + @"\n(?<body>(?:(?!## ).*\n?)*)", RegexOptions.Multiline);
        if (!section.Success)
        {
            return false;
        }

        var last = key[(key.LastIndexOf('.') + 1)..];
        var firstCells = Regex.Matches(section.Groups["body"].Value, @"^\|(?<cell>[^|\n]*)\|", RegexOptions.Multiline).Select(m => m.Groups["cell"].Value);
        return firstCells.Any(cell => Regex.IsMatch(cell, "`[^`\\n]*\\b" + Regex.Escape(last) + "\\b[^`\\n]*`"));
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
