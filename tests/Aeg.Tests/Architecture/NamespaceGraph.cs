using System.Text.RegularExpressions;

namespace Aeg.Tests.Architecture;

/// <summary>
/// Which <c>Aeg.*</c> namespace uses which, rebuilt from the sources as a reader sees them: the
/// <c>using Aeg.X;</c> lines, and qualified names (<c>Logging.AegLogging</c>, <c>Aeg.Ha.HaOptions</c>)
/// whose last part is a type declared in that namespace.
/// </summary>
internal static partial class NamespaceGraph
{
    public static Dictionary<string, SortedSet<string>> FromDirectory(string root)
    {
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        return FromSources(files);
    }

    public static Dictionary<string, SortedSet<string>> FromSources(IReadOnlyList<string> sources)
    {
        var declared = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            if (Namespace(source) is { } ns)
            {
                var types = declared.TryGetValue(ns, out var set) ? set : declared[ns] = [];
                types.UnionWith(TypeDeclaration().Matches(source).Select(m => m.Groups[1].Value));
            }
        }
        var graph = declared.Keys.ToDictionary(ns => ns, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var source in sources)
        {
            if (Namespace(source) is not { } ns)
            {
                continue;
            }
            foreach (Match m in UsingDirective().Matches(source))
            {
                graph[ns].Add(m.Groups[1].Value);
            }
            foreach (Match m in QualifiedName().Matches(source))
            {
                var target = "Aeg." + m.Groups[1].Value;
                if (declared.TryGetValue(target, out var types) && types.Contains(m.Groups[2].Value))
                {
                    graph[ns].Add(target);
                }
            }
            graph[ns].Remove(ns);
        }
        return graph;
    }

    /// <summary>Every group of namespaces that reach each other (strongly connected, more than one), sorted.</summary>
    public static List<List<string>> Cycles(IReadOnlyDictionary<string, SortedSet<string>> graph)
    {
        // Tarjan's algorithm; the graph has a few dozen nodes, so recursion depth is no concern.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.TryGetValue(v, out var next) ? next : [])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }
            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    components.Add(component);
                }
            }
        }
        foreach (var v in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(v))
            {
                Visit(v);
            }
        }
        return components;
    }

    private static string? Namespace(string source) => FileNamespace().Match(source) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"^namespace\s+(Aeg(?:\.\w+)?)\b", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"\b(?:class|struct|record|interface|enum)\s+(\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^\s*using\s+(Aeg\.\w+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    // Not after a dot or a word character, so `options.Logging.Level` is a property path, not a namespace.
    [GeneratedRegex(@"(?<![\w.])(?:Aeg\.)?(\w+)\.(\w+)")]
    private static partial Regex QualifiedName();
}
